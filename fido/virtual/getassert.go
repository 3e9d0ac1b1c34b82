package virtual

import (
	"crypto/sha256"
	"sort"
	"time"

	"github.com/fxamacker/cbor/v2"
)

const nextAssertionTimeout = 30 * time.Second

// assertIter carries a getAssertion over to getNextAssertion.
type assertIter struct {
	creds    []*credential // still to return
	rpIDHash []byte
	cdh      []byte
	flags    byte
	uv       bool
	hmac     *hmacInput
	expires  time.Time
}

// hmacInput is a decrypted hmac-secret extension input.
type hmacInput struct {
	proto  uint64
	secret []byte
	salts  []byte // salt1 or salt1 || salt2
}

// getAssertion answers authenticatorGetAssertion (CTAP 2.1 §6.2).
func (a *Authenticator) getAssertion(pr *pending, body []byte) (any, error) {
	p, err := parseParams(body)
	if err != nil {
		return nil, err
	}
	if done, err := a.touchProbe(pr, p, 0x06); done || err != nil {
		return nil, err
	}
	rpID, err := p.text(0x01)
	if err != nil {
		return nil, err
	}
	cdh, err := p.bytes(0x02)
	if err != nil {
		return nil, err
	}
	allow, err := p.descriptors(0x03)
	if err != nil {
		return nil, err
	}
	ext, err := p.extensions(0x04)
	if err != nil {
		return nil, err
	}
	opts, err := p.options(0x05)
	if err != nil {
		return nil, err
	}
	if _, ok := opts["rk"]; ok {
		return nil, errUnsupportedOption
	}
	if opts["uv"] && !p.has(0x06) {
		return nil, errInvalidOption // no built-in user verification
	}
	up := true
	if v, ok := opts["up"]; ok {
		up = v
	}
	d := a.dev
	uv, err := d.pinAuth(p, 0x06, 0x07, cdh, permGetAssertion, rpID)
	if err != nil {
		return nil, err
	}
	hm, err := d.parseHMACSecret(ext)
	if err != nil {
		return nil, err
	}
	creds := d.findCredentials(rpID, allow, uv)
	if len(creds) == 0 {
		return nil, errNoCredentials
	}
	if up {
		if err := a.waitPresence(pr); err != nil {
			return nil, err
		}
	}
	h := sha256.Sum256([]byte(rpID))
	it := &assertIter{rpIDHash: h[:], cdh: cdh, uv: uv, hmac: hm, expires: d.now().Add(nextAssertionTimeout)}
	if up {
		it.flags |= flagUP
	}
	if uv {
		it.flags |= flagUV
	}
	total := 0
	if len(allow) == 0 {
		total = len(creds)
		it.creds = creds[1:]
	}
	resp, err := d.assertOne(it, creds[0], total)
	if err == nil && len(it.creds) > 0 {
		d.nextAssert = it
	}
	return resp, err
}

// getNextAssertion answers authenticatorGetNextAssertion.
func (a *Authenticator) getNextAssertion() (any, error) {
	d := a.dev
	it := d.nextAssert
	if it == nil || len(it.creds) == 0 || d.now().After(it.expires) {
		d.nextAssert = nil
		return nil, errNotAllowed
	}
	c := it.creds[0]
	it.creds = it.creds[1:]
	it.expires = d.now().Add(nextAssertionTimeout)
	if len(it.creds) == 0 {
		d.nextAssert = nil
	}
	return d.assertOne(it, c, 0)
}

// findCredentials returns the usable credentials: those of the allowList
// made by this device for the RP, or else the RP's resident credentials,
// newest first, both filtered by credProtect.
func (d *device) findCredentials(rpID string, allow []descriptor, uv bool) []*credential {
	var creds []*credential
	if len(allow) > 0 {
		for _, desc := range allow {
			if c := d.lookup(rpID, desc.ID); c != nil && c.visible(uv, true) {
				creds = append(creds, c)
			}
		}
		return creds
	}
	for _, r := range d.st.Credentials {
		if r.RPID != rpID {
			continue
		}
		if c := residentCredential(r); c != nil && c.visible(uv, false) {
			creds = append(creds, c)
		}
	}
	sort.SliceStable(creds, func(i, j int) bool { return creds[i].res.Serial > creds[j].res.Serial })
	return creds
}

// assertOne signs one assertion; total > 0 adds numberOfCredentials.
func (d *device) assertOne(it *assertIter, c *credential, total int) (any, error) {
	ext := map[string]any{}
	if it.hmac != nil && c.hmacSecret {
		enc, err := encrypt(it.hmac.proto, it.hmac.secret, c.hmacSecretOutput(it.uv, it.hmac.salts), d.rand)
		if err != nil {
			return nil, errOther
		}
		ext["hmac-secret"] = enc
	}
	ad, err := authData(it.rpIDHash, it.flags, d.nextCount(c), nil, ext)
	if err != nil {
		return nil, errOther
	}
	if err := d.commit(); err != nil {
		return nil, err
	}
	sig, err := d.sign(c, ad, it.cdh)
	if err != nil {
		return nil, errOther
	}
	resp := map[int]any{0x01: descriptorFor(c.id), 0x02: ad, 0x03: sig}
	if r := c.res; r != nil {
		user := map[string]any{"id": r.UserID}
		if it.uv {
			addNames(user, r)
		}
		resp[0x04] = user
	}
	if total > 0 {
		resp[0x05] = total
	}
	return resp, nil
}

// addNames adds the user's name and displayName, when set.
func addNames(user map[string]any, r *resident) {
	if r.UserName != "" {
		user["name"] = r.UserName
	}
	if r.UserDisplayName != "" {
		user["displayName"] = r.UserDisplayName
	}
}

// parseHMACSecret decodes and decrypts the hmac-secret input
// {1: keyAgreement, 2: saltEnc, 3: saltAuth, 4: pinUvAuthProtocol}.
func (d *device) parseHMACSecret(ext map[string]cbor.RawMessage) (*hmacInput, error) {
	raw, ok := ext["hmac-secret"]
	if !ok {
		return nil, nil
	}
	var m params
	if err := unmarshal(raw, majorMap, &m); err != nil {
		return nil, err
	}
	in := &hmacInput{proto: 1}
	if m.has(0x04) {
		var err error
		if in.proto, err = m.uint(0x04); err != nil {
			return nil, err
		}
		if !validProtocol(in.proto) {
			return nil, errInvalidParameter
		}
	}
	saltEnc, err := m.bytes(0x02)
	if err != nil {
		return nil, err
	}
	saltAuth, err := m.bytes(0x03)
	if err != nil {
		return nil, err
	}
	if in.secret, err = d.platformSecret(m[0x01], in.proto); err != nil {
		return nil, err
	}
	if !verify(in.proto, in.secret, saltEnc, saltAuth) {
		return nil, errPINAuthInvalid
	}
	if in.salts, err = decrypt(in.proto, in.secret, saltEnc); err != nil {
		return nil, errInvalidLength
	}
	if len(in.salts) != 32 && len(in.salts) != 64 {
		return nil, errInvalidLength
	}
	return in, nil
}
