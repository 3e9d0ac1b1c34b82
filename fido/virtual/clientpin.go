package virtual

import (
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"io"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// authenticatorClientPIN subcommands (CTAP 2.1 §6.5.5).
const (
	pinGetRetries             = 0x01
	pinGetKeyAgreement        = 0x02
	pinSetPIN                 = 0x03
	pinChangePIN              = 0x04
	pinGetPinToken            = 0x05
	pinGetTokenWithPermission = 0x09
)

// pinUvAuthToken permissions.
const (
	permMakeCredential = 0x01
	permGetAssertion   = 0x02
	permCredMgmt       = 0x04
	permSupported      = permMakeCredential | permGetAssertion | permCredMgmt
)

const tokenLifetime = 10 * time.Minute

// pinToken is the current pinUvAuthToken and its state.
type pinToken struct {
	key    []byte
	proto  uint64
	perms  byte
	rpID   string // permissions RP ID; "" until bound
	legacy bool   // from getPinToken (0x05)
	issued time.Time
}

// clientPIN answers authenticatorClientPIN.
func (a *Authenticator) clientPIN(body []byte) (any, error) {
	p, err := parseParams(body)
	if err != nil {
		return nil, err
	}
	sub, err := p.uint(0x02)
	if err != nil {
		return nil, err
	}
	d := a.dev
	if sub == pinGetRetries {
		return map[int]any{0x03: d.st.PINRetries, 0x04: d.mismatches >= 3}, nil
	}
	proto, err := p.uint(0x01)
	if err != nil {
		return nil, err
	}
	if !validProtocol(proto) {
		return nil, errInvalidParameter
	}
	switch sub {
	case pinGetKeyAgreement:
		return map[int]any{0x01: coseECDHKey(d.keyAgreement.PublicKey())}, nil
	case pinSetPIN:
		return nil, d.setPIN(p, proto)
	case pinChangePIN:
		return nil, d.changePIN(p, proto)
	case pinGetPinToken, pinGetTokenWithPermission:
		return d.getPinToken(p, proto, sub)
	}
	return nil, errInvalidSubcommand
}

// platformSecret runs ECDH with the platform's key agreement key (a COSE
// key) and derives the protocol's shared secret.
func (d *device) platformSecret(raw cbor.RawMessage, proto uint64) ([]byte, error) {
	if raw == nil {
		return nil, errMissingParameter
	}
	peer, err := parsePlatformKey(raw)
	if err != nil {
		return nil, err
	}
	secret, err := sharedSecret(proto, d.keyAgreement, peer)
	if err != nil {
		return nil, errInvalidParameter
	}
	return secret, nil
}

// encLen is the length of an encryption of n bytes under the protocol.
func encLen(proto uint64, n int) int {
	if proto == 2 {
		return 16 + n
	}
	return n
}

func (d *device) setPIN(p params, proto uint64) error {
	auth, err := p.bytes(0x04)
	if err != nil {
		return err
	}
	newPINEnc, err := p.bytes(0x05)
	if err != nil {
		return err
	}
	if d.st.PINHash != nil {
		return errNotAllowed
	}
	if err := checkNewPINLen(proto, newPINEnc); err != nil {
		return err
	}
	secret, err := d.platformSecret(p[0x03], proto)
	if err != nil {
		return err
	}
	if !verify(proto, secret, newPINEnc, auth) {
		return errPINAuthInvalid
	}
	return d.storeNewPIN(proto, secret, newPINEnc)
}

func (d *device) changePIN(p params, proto uint64) error {
	auth, err := p.bytes(0x04)
	if err != nil {
		return err
	}
	newPINEnc, err := p.bytes(0x05)
	if err != nil {
		return err
	}
	pinHashEnc, err := p.bytes(0x06)
	if err != nil {
		return err
	}
	if err := d.pinUsable(); err != nil {
		return err
	}
	if err := checkNewPINLen(proto, newPINEnc); err != nil {
		return err
	}
	if len(pinHashEnc) != encLen(proto, 16) {
		return errInvalidParameter
	}
	secret, err := d.platformSecret(p[0x03], proto)
	if err != nil {
		return err
	}
	if !verify(proto, secret, append(append([]byte(nil), newPINEnc...), pinHashEnc...), auth) {
		return errPINAuthInvalid
	}
	if err := d.checkPINHash(proto, secret, pinHashEnc); err != nil {
		return err
	}
	return d.storeNewPIN(proto, secret, newPINEnc)
}

// checkNewPINLen checks that newPinEnc holds a PIN padded to 64 bytes;
// libfido2 pads a PIN of 64 bytes or more to 128 or more, which is a PIN
// too long rather than a malformed request.
func checkNewPINLen(proto uint64, newPINEnc []byte) error {
	switch n := len(newPINEnc); {
	case n == encLen(proto, 64):
		return nil
	case n > encLen(proto, 64) && (n-encLen(proto, 0))%64 == 0:
		return errPINPolicyViolation
	}
	return errInvalidParameter
}

// pinUsable checks that a PIN is set and not blocked.
func (d *device) pinUsable() error {
	switch {
	case d.st.PINHash == nil:
		return errPINNotSet
	case d.st.PINRetries == 0:
		return errPINBlocked
	case d.mismatches >= 3:
		return errPINAuthBlocked
	}
	return nil
}

// storeNewPIN decrypts paddedNewPin, checks the PIN policy and stores it.
func (d *device) storeNewPIN(proto uint64, secret, newPINEnc []byte) error {
	padded, err := decrypt(proto, secret, newPINEnc)
	if err != nil || len(padded) != 64 {
		return errInvalidParameter
	}
	defer clear(padded)
	pin, _, _ := bytes.Cut(padded, []byte{0})
	if padded[63] != 0 || !utf8.Valid(pin) || utf8.RuneCount(pin) < minPINLength {
		return errPINPolicyViolation
	}
	h := sha256.Sum256(pin)
	d.st.PINHash = h[:16]
	d.st.PINRetries = maxPINRetries
	d.mismatches = 0
	d.token = nil
	return d.commit()
}

// checkPINHash verifies pinHashEnc, spending one retry (CTAP 2.1 §6.5.5.5):
// a mismatch regenerates the key agreement key, and three in a row block PIN
// use until the next power cycle.
func (d *device) checkPINHash(proto uint64, secret, pinHashEnc []byte) error {
	d.st.PINRetries--
	if err := d.commit(); err != nil {
		return err
	}
	hash, err := decrypt(proto, secret, pinHashEnc)
	if err == nil && len(hash) == 16 && bytes.Equal(hash, d.st.PINHash) {
		d.mismatches = 0
		d.st.PINRetries = maxPINRetries
		return d.commit()
	}
	d.mismatches++
	if k, err := ecdh.P256().GenerateKey(d.rand); err == nil {
		d.keyAgreement = k
	}
	switch {
	case d.st.PINRetries == 0:
		return errPINBlocked
	case d.mismatches >= 3:
		return errPINAuthBlocked
	}
	return errPINInvalid
}

// getPinToken handles getPinToken (0x05, permissions mc and ga) and
// getPinUvAuthTokenUsingPinWithPermissions (0x09).
func (d *device) getPinToken(p params, proto, sub uint64) (any, error) {
	pinHashEnc, err := p.bytes(0x06)
	if err != nil {
		return nil, err
	}
	t := &pinToken{proto: proto, perms: permMakeCredential | permGetAssertion, legacy: true}
	if sub == pinGetTokenWithPermission {
		if t, err = permissionsRequest(p, proto); err != nil {
			return nil, err
		}
	} else if p.has(0x09) || p.has(0x0a) {
		return nil, errInvalidParameter
	}
	if err := d.pinUsable(); err != nil {
		return nil, err
	}
	if len(pinHashEnc) != encLen(proto, 16) {
		return nil, errInvalidParameter
	}
	secret, err := d.platformSecret(p[0x03], proto)
	if err != nil {
		return nil, err
	}
	if err := d.checkPINHash(proto, secret, pinHashEnc); err != nil {
		return nil, err
	}
	t.key = make([]byte, 32)
	if _, err := io.ReadFull(d.rand, t.key); err != nil {
		return nil, errOther
	}
	t.issued = d.now()
	d.token = t
	enc, err := encrypt(proto, secret, t.key, d.rand)
	if err != nil {
		return nil, errOther
	}
	return map[int]any{0x02: enc}, nil
}

func permissionsRequest(p params, proto uint64) (*pinToken, error) {
	perms, err := p.uint(0x09)
	if err != nil {
		return nil, err
	}
	if perms == 0 || perms > 0xff {
		return nil, errInvalidParameter
	}
	if perms&^permSupported != 0 {
		return nil, errUnauthorizedPermission
	}
	t := &pinToken{proto: proto, perms: byte(perms)}
	if p.has(0x0a) {
		if t.rpID, err = p.text(0x0a); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// verifyToken checks a pinUvAuthParam over msg against the current
// pinUvAuthToken.
func (d *device) verifyToken(proto uint64, param, msg []byte) (*pinToken, error) {
	if !validProtocol(proto) {
		return nil, errInvalidParameter
	}
	t := d.token
	if t == nil || t.proto != proto || d.now().Sub(t.issued) > tokenLifetime || !verify(proto, t.key, msg, param) {
		return nil, errPINAuthInvalid
	}
	return t, nil
}

// allow checks that the token has the permission and, for a non-empty rpID,
// binds the token to it or checks it against the RP ID it is bound to.
func (t *pinToken) allow(perm byte, rpID string) error {
	if t.perms&perm == 0 {
		return errPINAuthInvalid
	}
	if rpID != "" {
		if t.rpID == "" {
			t.rpID = rpID
		} else if t.rpID != rpID {
			return errPINAuthInvalid
		}
	}
	return nil
}

// pinAuth handles the pinUvAuthParam (key authKey) and pinUvAuthProtocol
// (key protoKey) of makeCredential and getAssertion, whose message is the
// clientDataHash. It reports whether the user was verified.
func (d *device) pinAuth(p params, authKey, protoKey int, cdh []byte, perm byte, rpID string) (bool, error) {
	if !p.has(authKey) {
		return false, nil
	}
	auth, err := p.bytes(authKey)
	if err != nil {
		return false, err
	}
	proto, err := p.uint(protoKey)
	if err != nil {
		return false, err
	}
	if !validProtocol(proto) {
		return false, errInvalidParameter
	}
	if d.st.PINHash == nil {
		return false, errPINNotSet
	}
	t, err := d.verifyToken(proto, auth, cdh)
	if err != nil {
		return false, err
	}
	if err := t.allow(perm, rpID); err != nil {
		return false, err
	}
	return true, nil
}

// touchProbe handles an empty pinUvAuthParam (CTAP 2.1 §6.1.2 step 1), with
// which platforms such as libfido2's fido_dev_get_touch_begin ask the user
// to pick a key: after the touch the answer is PIN_INVALID or PIN_NOT_SET.
func (a *Authenticator) touchProbe(pr *pending, p params, authKey int) (bool, error) {
	raw, ok := p[authKey]
	if !ok {
		return false, nil
	}
	var auth []byte
	if err := unmarshal(raw, majorBytes, &auth); err != nil || len(auth) != 0 {
		return false, err
	}
	if err := a.waitPresence(pr); err != nil {
		return true, err
	}
	if a.dev.st.PINHash != nil {
		return true, errPINInvalid
	}
	return true, errPINNotSet
}
