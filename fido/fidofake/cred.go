package fidofake

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"slices"
	"strings"

	"github.com/otterauth/otter/fido"
)

// cred is a credential the key holds; non-resident ones too, since a fake
// key has no master key to wrap them in their ids.
type cred struct {
	fido.Credential
	resident bool
	priv     *ecdsa.PrivateKey
	random   [2][]byte // hmac-secret CredRandom: [0] without the PIN, [1] with it
}

func (d *device) MakeCredential(ctx context.Context, o fido.CredentialOptions) (fido.Credential, error) {
	const op = "make credential"
	var out fido.Credential
	if o.RPID == "" || len(o.UserID) == 0 || o.CredProtect < 0 || o.CredProtect > 3 || o.UV {
		return out, newErr(op, fido.ErrInvalidArgument)
	}
	if err := checkPIN(o.PIN); err != nil {
		return out, newErr(op, err)
	}
	err := d.run(ctx, op, func(c call) error {
		k := d.k
		k.mu.Lock()
		uv, err := k.verifyPIN(o.PIN)
		switch {
		case err != nil:
		case !uv && k.pin != nil:
			err = fido.ErrPinRequired
		case k.excluded(o.RPID, o.Exclude, uv):
			err = fido.ErrCredentialExcluded
		case o.Resident && k.resident(o.RPID, o.UserID) == nil && k.residents() >= residentSlots:
			err = fido.ErrKeyStoreFull
		}
		k.mu.Unlock()
		if err != nil && err != fido.ErrCredentialExcluded {
			return err
		}
		if terr := k.touch(c); terr != nil {
			return terr
		}
		if err != nil {
			return err
		}
		cr, err := newCred(o, uv, k.aaguidOf())
		if err != nil {
			return err
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		if o.Resident {
			k.creds = slices.DeleteFunc(k.creds, func(x *cred) bool {
				return x.resident && x.RPID == o.RPID && bytes.Equal(x.UserID, o.UserID)
			})
		}
		k.creds = append(k.creds, cr)
		out = cr.public()
		return nil
	})
	return out, err
}

func newCred(o fido.CredentialOptions, uv bool, aaguid []byte) (*cred, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pub := make([]byte, 64)
	priv.X.FillBytes(pub[:32])
	priv.Y.FillBytes(pub[32:])
	return &cred{Credential: fido.Credential{ID: randomBytes(64), PublicKey: pub, AAGUID: aaguid,
		Format: "packed", RPID: o.RPID, UserID: bytes.Clone(o.UserID), UserName: o.UserName,
		DisplayName: o.DisplayName, CredProtect: o.CredProtect, HMACSecret: o.HMACSecret, UV: uv},
		resident: o.Resident, priv: priv, random: [2][]byte{randomBytes(32), randomBytes(32)}}, nil
}

// public is the credential as the key describes it.
func (c *cred) public() fido.Credential {
	p := c.Credential
	p.ID, p.PublicKey, p.AAGUID, p.UserID = bytes.Clone(p.ID), bytes.Clone(p.PublicKey), bytes.Clone(p.AAGUID), bytes.Clone(p.UserID)
	return p
}

func (d *device) GetAssertion(ctx context.Context, o fido.AssertionOptions) ([]fido.Assertion, error) {
	const op = "get assertion"
	var out []fido.Assertion
	if o.RPID == "" || o.UV || (o.HMACSalt != nil && len(o.HMACSalt) != 32 && len(o.HMACSalt) != 64) {
		return nil, newErr(op, fido.ErrInvalidArgument)
	}
	if err := checkPIN(o.PIN); err != nil {
		return nil, newErr(op, err)
	}
	cdh := o.ClientDataHash
	if len(cdh) == 0 {
		cdh = randomBytes(32)
	}
	err := d.run(ctx, op, func(c call) error {
		k := d.k
		k.mu.Lock()
		uv, err := k.verifyPIN(o.PIN)
		var creds []*cred
		if err == nil {
			creds = k.find(o.RPID, o.Allow, uv)
		}
		k.mu.Unlock()
		switch {
		case err != nil:
			return err
		case len(creds) == 0:
			return fido.ErrNoCredentials
		}
		if !o.NoPresence {
			if err := k.touch(c); err != nil {
				return err
			}
		}
		for _, cr := range creds {
			a, err := k.assert(cr, &o, cdh, uv)
			if err != nil {
				fido.Wipe(out)
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// find returns the credentials an assertion for rpID may use: those of
// allow (only the first the key holds, as with an allow list a key answers
// once), or every resident one when allow is empty. credProtect hides
// credentials from a request without the PIN. The caller holds k.mu.
func (k *Key) find(rpID string, allow [][]byte, uv bool) []*cred {
	var out []*cred
	for _, id := range allow {
		for _, c := range k.creds {
			if c.RPID == rpID && bytes.Equal(c.ID, id) && (uv || c.CredProtect != fido.CredProtectUVRequired) {
				return []*cred{c}
			}
		}
	}
	if len(allow) > 0 {
		return nil
	}
	for _, c := range k.creds {
		if c.resident && c.RPID == rpID && (uv || c.CredProtect < fido.CredProtectUVOptionalWithID) {
			out = append(out, c)
		}
	}
	return out
}

// assert makes and signs one assertion of c.
func (k *Key) assert(c *cred, o *fido.AssertionOptions, cdh []byte, uv bool) (fido.Assertion, error) {
	k.mu.Lock()
	k.signCount++
	n := k.signCount
	k.mu.Unlock()
	rp := sha256.Sum256([]byte(o.RPID))
	flags := byte(0)
	if !o.NoPresence {
		flags |= 0x01
	}
	if uv {
		flags |= 0x04
	}
	auth := binary.BigEndian.AppendUint32(append(rp[:], flags), n)
	digest := sha256.Sum256(append(bytes.Clone(auth), cdh...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.priv, digest[:])
	if err != nil {
		return fido.Assertion{}, err
	}
	if o.PublicKey != nil && !verify(o.PublicKey, digest[:], sig) {
		return fido.Assertion{}, fido.ErrInvalidSignature
	}
	a := fido.Assertion{CredentialID: bytes.Clone(c.ID), AuthData: auth, Signature: sig, SignCount: n,
		UP: !o.NoPresence, UV: uv}
	if c.resident {
		a.UserID, a.UserName, a.DisplayName = bytes.Clone(c.UserID), c.UserName, c.DisplayName
	}
	if o.HMACSalt != nil && c.HMACSecret {
		a.HMACSecret = c.hmacSecret(o.HMACSalt, uv)
	}
	return a, nil
}

// hmacSecret is the hmac-secret output for salt (one or two 32-byte
// salts), CTAP 2.1 §12.5: HMAC-SHA256(CredRandom, salt).
func (c *cred) hmacSecret(salt []byte, uv bool) []byte {
	r := c.random[0]
	if uv {
		r = c.random[1]
	}
	var out []byte
	for s := range slices.Chunk(salt, 32) {
		m := hmac.New(sha256.New, r)
		m.Write(s)
		out = m.Sum(out)
	}
	return out
}

// verify checks an ES256 signature with the public key X‖Y.
func verify(xy, digest, sig []byte) bool {
	if len(xy) != 64 {
		return false
	}
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(xy[:32]), Y: new(big.Int).SetBytes(xy[32:])}
	return ecdsa.VerifyASN1(pub, digest, sig)
}

// excluded reports whether the key holds one of the ids of exclude for
// rpID that the request may see. The caller holds k.mu.
func (k *Key) excluded(rpID string, exclude [][]byte, uv bool) bool {
	return len(exclude) > 0 && len(k.find(rpID, exclude, uv)) > 0
}

// resident returns the resident credential of rpID and user. The caller
// holds k.mu.
func (k *Key) resident(rpID string, user []byte) *cred {
	for _, c := range k.creds {
		if c.resident && c.RPID == rpID && bytes.Equal(c.UserID, user) {
			return c
		}
	}
	return nil
}

// residents counts the resident credentials. The caller holds k.mu.
func (k *Key) residents() int {
	n := 0
	for _, c := range k.creds {
		if c.resident {
			n++
		}
	}
	return n
}

// withPIN runs a credential-management operation, which needs the PIN.
func (d *device) withPIN(ctx context.Context, op string, pin []byte, f func(k *Key) error) error {
	if len(pin) == 0 {
		return newErr(op, fido.ErrPinRequired)
	}
	if err := checkPIN(pin); err != nil {
		return newErr(op, err)
	}
	return d.run(ctx, op, func(call) error {
		k := d.k
		k.mu.Lock()
		defer k.mu.Unlock()
		if _, err := k.verifyPIN(pin); err != nil {
			return err
		}
		return f(k)
	})
}

func (d *device) CredentialsMetadata(ctx context.Context, pin []byte) (fido.Metadata, error) {
	var m fido.Metadata
	err := d.withPIN(ctx, "read credential metadata", pin, func(k *Key) error {
		n := k.residents()
		m = fido.Metadata{Existing: n, Remaining: residentSlots - n}
		return nil
	})
	return m, err
}

func (d *device) RPs(ctx context.Context, pin []byte) ([]fido.RP, error) {
	var rps []fido.RP
	err := d.withPIN(ctx, "list relying parties", pin, func(k *Key) error {
		for _, c := range k.creds {
			if c.resident && !slices.ContainsFunc(rps, func(rp fido.RP) bool { return rp.ID == c.RPID }) {
				h := sha256.Sum256([]byte(c.RPID))
				rps = append(rps, fido.RP{ID: c.RPID, IDHash: h[:]})
			}
		}
		slices.SortFunc(rps, func(a, b fido.RP) int { return strings.Compare(a.ID, b.ID) })
		return nil
	})
	return rps, err
}

func (d *device) Credentials(ctx context.Context, rpID string, pin []byte) ([]fido.Credential, error) {
	var out []fido.Credential
	err := d.withPIN(ctx, "list credentials", pin, func(k *Key) error {
		for _, c := range k.creds {
			if c.resident && c.RPID == rpID {
				out = append(out, c.public())
			}
		}
		if len(out) == 0 {
			return fido.ErrNoCredentials
		}
		return nil
	})
	return out, err
}

func (d *device) DeleteCredential(ctx context.Context, id, pin []byte) error {
	const op = "delete credential"
	if len(id) == 0 {
		return newErr(op, fido.ErrInvalidArgument)
	}
	return d.withPIN(ctx, op, pin, func(k *Key) error {
		n := len(k.creds)
		k.creds = slices.DeleteFunc(k.creds, func(c *cred) bool { return c.resident && bytes.Equal(c.ID, id) })
		if len(k.creds) == n {
			return fido.ErrNoCredentials
		}
		return nil
	})
}
