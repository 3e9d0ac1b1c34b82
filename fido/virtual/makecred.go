package virtual

import (
	"crypto/sha256"
	"io"

	"github.com/fxamacker/cbor/v2"
)

// mcRequest is a parsed authenticatorMakeCredential request.
type mcRequest struct {
	cdh         []byte
	rpID        string
	rpName      string
	user        userEntity
	exclude     []descriptor
	rk          bool
	uvOption    bool
	credProtect int // 0: not requested
	hmacSecret  bool
}

// userEntity is a PublicKeyCredentialUserEntity.
type userEntity struct {
	id          []byte
	name        string
	displayName string
}

// makeCredential answers authenticatorMakeCredential (CTAP 2.1 §6.1): ES256
// only, packed self-attestation, no built-in UV.
func (a *Authenticator) makeCredential(pr *pending, body []byte) (any, error) {
	p, err := parseParams(body)
	if err != nil {
		return nil, err
	}
	if done, err := a.touchProbe(pr, p, 0x08); done || err != nil {
		return nil, err
	}
	req, err := parseMakeCredential(p)
	if err != nil {
		return nil, err
	}
	d := a.dev
	if req.uvOption && !p.has(0x08) {
		return nil, errInvalidOption // no built-in user verification
	}
	uv, err := d.pinAuth(p, 0x08, 0x09, req.cdh, permMakeCredential, req.rpID)
	if err != nil {
		return nil, err
	}
	if !uv && d.st.PINHash != nil {
		return nil, errPUATRequired
	}
	for _, e := range req.exclude {
		if c := d.lookup(req.rpID, e.ID); c != nil && (c.credProtect != 3 || uv) {
			if err := a.waitPresence(pr); err != nil {
				return nil, err
			}
			return nil, errCredentialExcluded
		}
	}
	if req.rk && d.residentFor(req.rpID, req.user.id) == nil && len(d.st.Credentials) >= residentSlots {
		return nil, errKeyStoreFull
	}
	if err := a.waitPresence(pr); err != nil {
		return nil, err
	}
	c, err := d.newCredential(req)
	if err != nil {
		return nil, errOther
	}
	return d.attest(req, c, uv)
}

func parseMakeCredential(p params) (*mcRequest, error) {
	req := &mcRequest{}
	var err error
	if req.cdh, err = p.bytes(0x01); err != nil {
		return nil, err
	}
	var rp map[string]cbor.RawMessage
	if err := p.get(0x02, majorMap, &rp); err != nil {
		return nil, err
	}
	if req.rpID, err = textField(rp, "id", true); err != nil {
		return nil, err
	}
	if req.rpName, err = textField(rp, "name", false); err != nil {
		return nil, err
	}
	if req.user, err = parseUser(p[0x03]); err != nil {
		return nil, err
	}
	if err := checkAlgorithms(p); err != nil {
		return nil, err
	}
	if req.exclude, err = p.descriptors(0x05); err != nil {
		return nil, err
	}
	if err := req.parseExtensions(p); err != nil {
		return nil, err
	}
	opts, err := p.options(0x07)
	if err != nil {
		return nil, err
	}
	if up, ok := opts["up"]; ok && !up {
		return nil, errInvalidOption
	}
	req.rk, req.uvOption = opts["rk"], opts["uv"]
	return req, nil
}

// textField decodes the text field of an entity map.
func textField(m map[string]cbor.RawMessage, key string, required bool) (string, error) {
	raw, ok := m[key]
	if !ok {
		if required {
			return "", errMissingParameter
		}
		return "", nil
	}
	var s string
	return s, unmarshal(raw, majorText, &s)
}

func parseUser(raw cbor.RawMessage) (userEntity, error) {
	var u userEntity
	if raw == nil {
		return u, errMissingParameter
	}
	var m map[string]cbor.RawMessage
	if err := unmarshal(raw, majorMap, &m); err != nil {
		return u, err
	}
	if m["id"] == nil {
		return u, errMissingParameter
	}
	if err := unmarshal(m["id"], majorBytes, &u.id); err != nil {
		return u, err
	}
	if len(u.id) == 0 || len(u.id) > 64 {
		return u, errInvalidLength
	}
	var err error
	if u.name, err = textField(m, "name", false); err != nil {
		return u, err
	}
	u.displayName, err = textField(m, "displayName", false)
	return u, err
}

// checkAlgorithms requires ES256 among pubKeyCredParams.
func checkAlgorithms(p params) error {
	var list []cbor.RawMessage
	if err := p.get(0x04, majorArray, &list); err != nil {
		return err
	}
	found := false
	for _, raw := range list {
		var m map[string]cbor.RawMessage
		if err := unmarshal(raw, majorMap, &m); err != nil {
			return err
		}
		typ, err := textField(m, "type", true)
		if err != nil {
			return err
		}
		var alg int64
		if m["alg"] == nil {
			return errMissingParameter
		}
		if err := decMode.Unmarshal(m["alg"], &alg); err != nil {
			return errCBORUnexpectedType
		}
		found = found || (typ == "public-key" && alg == coseAlgES256)
	}
	if !found {
		return errUnsupportedAlgorithm
	}
	return nil
}

func (req *mcRequest) parseExtensions(p params) error {
	ext, err := p.extensions(0x06)
	if err != nil {
		return err
	}
	if raw, ok := ext["credProtect"]; ok {
		var level uint64
		if err := unmarshal(raw, majorUint, &level); err != nil {
			return err
		}
		if level >= 1 && level <= 3 {
			req.credProtect = int(level)
		}
	}
	if raw, ok := ext["hmac-secret"]; ok {
		if err := unmarshal(raw, majorSimple, &req.hmacSecret); err != nil {
			return err
		}
	}
	return nil
}

// residentFor returns the resident credential of the RP for the user.
func (d *device) residentFor(rpID string, userID []byte) *resident {
	for _, c := range d.st.Credentials {
		if c.RPID == rpID && string(c.UserID) == string(userID) {
			return c
		}
	}
	return nil
}

// newCredential makes the key pair and ID, storing resident credentials
// (replacing one for the same RP and user).
func (d *device) newCredential(req *mcRequest) (*credential, error) {
	priv, err := generateKey(d.rand)
	if err != nil {
		return nil, err
	}
	flags := byte(0)
	if req.rk {
		flags |= idResident
	}
	if req.hmacSecret {
		flags |= idHMACSecret
	}
	h := sha256.Sum256([]byte(req.rpID))
	id, err := d.sealID(h[:], flags, req.credProtect, priv)
	if err != nil {
		return nil, err
	}
	if !req.rk {
		return d.lookup(req.rpID, id), nil
	}
	scalar, err := priv.Bytes()
	if err != nil {
		return nil, err
	}
	r := &resident{RPID: req.rpID, RPName: req.rpName, UserID: req.user.id, UserName: req.user.name,
		UserDisplayName: req.user.displayName, ID: id, PrivateKey: scalar, CredProtect: req.credProtect,
		HMACSecret: req.hmacSecret, Serial: d.st.NextSerial}
	if req.hmacSecret {
		r.CredRandomUV, r.CredRandomNoUV = make([]byte, 32), make([]byte, 32)
		if _, err := io.ReadFull(d.rand, r.CredRandomUV); err != nil {
			return nil, err
		}
		if _, err := io.ReadFull(d.rand, r.CredRandomNoUV); err != nil {
			return nil, err
		}
	}
	d.st.NextSerial++
	if old := d.residentFor(req.rpID, req.user.id); old != nil {
		d.deleteResident(old)
	}
	d.st.Credentials = append(d.st.Credentials, r)
	return residentCredential(r), nil
}

// attest builds the makeCredential response with a packed self-attestation
// signed by the new credential key.
func (d *device) attest(req *mcRequest, c *credential, uv bool) (any, error) {
	ext := map[string]any{}
	if req.credProtect != 0 {
		ext["credProtect"] = req.credProtect
	}
	if req.hmacSecret {
		ext["hmac-secret"] = true
	}
	flags := byte(flagUP)
	if uv {
		flags |= flagUV
	}
	att, err := attestedCredential(c)
	if err != nil {
		return nil, errOther
	}
	h := sha256.Sum256([]byte(req.rpID))
	ad, err := authData(h[:], flags, d.nextCount(c), att, ext)
	if err != nil {
		return nil, errOther
	}
	if err := d.commit(); err != nil {
		return nil, err
	}
	sig, err := d.sign(c, ad, req.cdh)
	if err != nil {
		return nil, errOther
	}
	return map[int]any{
		0x01: "packed",
		0x02: ad,
		0x03: map[string]any{"alg": coseAlgES256, "sig": sig},
	}, nil
}
