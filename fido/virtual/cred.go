package virtual

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"
)

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
	flagED = 0x80
)

// Self-contained credential IDs of non-resident credentials:
//
//	version(1) = 1 || nonce(12) || AES-256-GCM(key, nonce, payload, aad = rpIdHash)
//	payload = flags(1) || credProtect(1) || P-256 private scalar(32)
//
// with key = HKDF-SHA-256(master key, info "otter virtual credential id").
// Resident credentials get an ID of the same shape, with flag idResident,
// but are only valid while they are in the state file.
const (
	idVersion    = 1
	idResident   = 0x01
	idHMACSecret = 0x02
	idLen        = 1 + 12 + 34 + 16
)

// credential is a credential found for a request.
type credential struct {
	id          []byte
	priv        *ecdsa.PrivateKey
	credProtect int
	hmacSecret  bool
	randUV      []byte    // CredRandomWithUV
	randNoUV    []byte    // CredRandomWithoutUV
	res         *resident // nil if not discoverable
}

func generateKey(rnd io.Reader) (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rnd)
}

func parsePrivateKey(b []byte) (*ecdsa.PrivateKey, error) {
	return ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
}

func (d *device) idKey() []byte {
	k, err := hkdf.Key(sha256.New, d.st.MasterKey, nil, "otter virtual credential id", 32)
	if err != nil {
		panic(err) // only fails for oversized keys
	}
	return k
}

func (d *device) idAEAD() cipher.AEAD {
	block, err := aes.NewCipher(d.idKey())
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// sealID makes the credential ID for a new credential of the RP.
func (d *device) sealID(rpIDHash []byte, flags byte, credProtect int, priv *ecdsa.PrivateKey) ([]byte, error) {
	scalar, err := priv.Bytes()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(d.rand, nonce); err != nil {
		return nil, err
	}
	payload := append([]byte{flags, byte(credProtect)}, scalar...)
	id := append([]byte{idVersion}, nonce...)
	return d.idAEAD().Seal(id, nonce, payload, rpIDHash), nil
}

// lookup finds the credential with the given ID for the RP: a resident
// credential in the state file, or a non-resident one sealed by this device.
func (d *device) lookup(rpID string, id []byte) *credential {
	if r := d.findResident(id); r != nil {
		if r.RPID != rpID {
			return nil
		}
		return residentCredential(r)
	}
	if len(id) != idLen || id[0] != idVersion {
		return nil
	}
	h := sha256.Sum256([]byte(rpID))
	payload, err := d.idAEAD().Open(nil, id[1:13], id[13:], h[:])
	if err != nil || payload[0]&idResident != 0 {
		return nil // not ours, or a resident credential since deleted
	}
	priv, err := parsePrivateKey(payload[2:])
	if err != nil {
		return nil
	}
	c := &credential{id: id, priv: priv, credProtect: int(payload[1]), hmacSecret: payload[0]&idHMACSecret != 0}
	c.randUV = d.deriveCredRandom("uv", id)
	c.randNoUV = d.deriveCredRandom("no uv", id)
	return c
}

// deriveCredRandom gives non-resident credentials their hmac-secret
// CredRandom values, bound to the credential ID.
func (d *device) deriveCredRandom(label string, id []byte) []byte {
	m := hmac.New(sha256.New, d.st.MasterKey)
	m.Write([]byte("otter virtual CredRandom " + label + "\x00"))
	m.Write(id)
	return m.Sum(nil)
}

func residentCredential(r *resident) *credential {
	priv, err := parsePrivateKey(r.PrivateKey)
	if err != nil {
		return nil
	}
	return &credential{id: r.ID, priv: priv, credProtect: r.CredProtect, hmacSecret: r.HMACSecret,
		randUV: r.CredRandomUV, randNoUV: r.CredRandomNoUV, res: r}
}

// visible applies credProtect (CTAP 2.1 §12.1): level 2 credentials need UV
// or an allowList, level 3 credentials need UV.
func (c *credential) visible(uv, allowList bool) bool {
	switch c.credProtect {
	case 3:
		return uv
	case 2:
		return uv || allowList
	}
	return true
}

// nextCount returns the signature counter for an operation with c.
func (d *device) nextCount(c *credential) uint32 {
	if c.res != nil {
		c.res.SignCount++
		return c.res.SignCount
	}
	d.st.SignCount++
	return d.st.SignCount
}

func coseES256Key(pub *ecdsa.PublicKey) map[int]any {
	b, err := pub.Bytes()
	if err != nil {
		panic(err) // only for keys off P-256, which this device never makes
	}
	return map[int]any{coseKty: coseKtyEC2, coseAlg: coseAlgES256, coseCrv: coseCrvP256,
		coseX: b[1:33], coseY: b[33:65]}
}

// authData builds authenticator data: rpIdHash || flags || signCount ||
// [attestedCredentialData] || [extensions].
func authData(rpIDHash []byte, flags byte, count uint32, attested []byte, ext map[string]any) ([]byte, error) {
	out := append([]byte(nil), rpIDHash...)
	if attested != nil {
		flags |= flagAT
	}
	if len(ext) > 0 {
		flags |= flagED
	}
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, count)
	out = append(out, attested...)
	if len(ext) > 0 {
		enc, err := encMode.Marshal(ext)
		if err != nil {
			return nil, err
		}
		out = append(out, enc...)
	}
	return out, nil
}

// attestedCredential builds attestedCredentialData: AAGUID || L || ID || key.
func attestedCredential(c *credential) ([]byte, error) {
	key, err := encMode.Marshal(coseES256Key(&c.priv.PublicKey))
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), aaguid()...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(c.id)))
	out = append(out, c.id...)
	return append(out, key...), nil
}

// sign signs authData || clientDataHash with the credential key (ES256,
// ASN.1 DER signature).
func (d *device) sign(c *credential, authData, clientDataHash []byte) ([]byte, error) {
	h := sha256.New()
	h.Write(authData)
	h.Write(clientDataHash)
	return ecdsa.SignASN1(d.rand, c.priv, h.Sum(nil))
}

// hmacSecretOutput computes the hmac-secret outputs for the salts.
func (c *credential) hmacSecretOutput(uv bool, salts []byte) []byte {
	key := c.randNoUV
	if uv {
		key = c.randUV
	}
	var out []byte
	for i := 0; i < len(salts); i += 32 {
		m := hmac.New(sha256.New, key)
		m.Write(salts[i : i+32])
		out = m.Sum(out)
	}
	return out
}
