package virtual

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"

	"github.com/fxamacker/cbor/v2"
)

// The platform side of PIN/UV auth protocols one and two, written
// independently of the authenticator's code from CTAP 2.1 §6.5.6-7.

type pinSession struct {
	k      *testKey
	proto  uint64
	cose   map[int]any // the platform's key agreement key
	shared []byte
}

// session runs getKeyAgreement and derives the shared secret.
func (k *testKey) session(proto uint64) *pinSession {
	k.t.Helper()
	m := k.mustCall(cmdClientPIN, map[int]any{1: proto, 2: 2})
	ka := decodeAs[map[int]cbor.RawMessage](k.t, m[1])
	if alg := decodeAs[int](k.t, ka[3]); alg != -25 {
		k.t.Fatalf("key agreement alg %d, want -25", alg)
	}
	x, y := decodeAs[[]byte](k.t, ka[-2]), decodeAs[[]byte](k.t, ka[-3])
	peer, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, x...), y...))
	if err != nil {
		k.t.Fatal(err)
	}
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		k.t.Fatal(err)
	}
	z, err := priv.ECDH(peer)
	if err != nil {
		k.t.Fatal(err)
	}
	pub := priv.PublicKey().Bytes()
	s := &pinSession{k: k, proto: proto,
		cose: map[int]any{1: 2, 3: -25, -1: 1, -2: pub[1:33], -3: pub[33:]}}
	if proto == 1 {
		h := sha256.Sum256(z)
		s.shared = h[:]
	} else {
		zero := make([]byte, 32)
		hk, _ := hkdf.Key(sha256.New, z, zero, "CTAP2 HMAC key", 32)
		ak, _ := hkdf.Key(sha256.New, z, zero, "CTAP2 AES key", 32)
		s.shared = append(hk, ak...)
	}
	return s
}

func (s *pinSession) aesKey() []byte {
	if s.proto == 2 {
		return s.shared[32:]
	}
	return s.shared
}

func (s *pinSession) enc(pt []byte) []byte {
	block, _ := aes.NewCipher(s.aesKey())
	iv := make([]byte, 16)
	if s.proto == 2 {
		rand.Read(iv)
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
	if s.proto == 2 {
		return append(iv, ct...)
	}
	return ct
}

func (s *pinSession) dec(ct []byte) []byte {
	s.k.t.Helper()
	block, _ := aes.NewCipher(s.aesKey())
	iv := make([]byte, 16)
	if s.proto == 2 {
		iv, ct = ct[:16], ct[16:]
	}
	if len(ct)%16 != 0 {
		s.k.t.Fatalf("ciphertext of %d bytes", len(ct))
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	return pt
}

// auth computes a pinUvAuthParam with key (the shared secret or a token).
func (s *pinSession) auth(key, msg []byte) []byte {
	if s.proto == 2 {
		key = key[:32]
	}
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	sum := m.Sum(nil)
	if s.proto == 1 {
		return sum[:16]
	}
	return sum
}

// pad64 pads the PIN with zeros to a multiple of 64 bytes, as libfido2 does.
func pad64(pin string) []byte {
	b := make([]byte, (len(pin)+64)/64*64)
	copy(b, pin)
	return b
}

func pinHash(pin string) []byte {
	h := sha256.Sum256([]byte(pin))
	return h[:16]
}

func (k *testKey) setPIN(proto uint64, pin string) byte {
	k.t.Helper()
	s := k.session(proto)
	newPINEnc := s.enc(pad64(pin))
	st, _ := k.call(cmdClientPIN, map[int]any{1: proto, 2: 3, 3: s.cose, 4: s.auth(s.shared, newPINEnc), 5: newPINEnc})
	return st
}

func (k *testKey) changePIN(proto uint64, old, pin string) byte {
	k.t.Helper()
	s := k.session(proto)
	newPINEnc := s.enc(pad64(pin))
	pinHashEnc := s.enc(pinHash(old))
	msg := append(append([]byte(nil), newPINEnc...), pinHashEnc...)
	st, _ := k.call(cmdClientPIN, map[int]any{1: proto, 2: 4, 3: s.cose, 4: s.auth(s.shared, msg),
		5: newPINEnc, 6: pinHashEnc})
	return st
}

func (k *testKey) retries() int {
	k.t.Helper()
	m := k.mustCall(cmdClientPIN, map[int]any{1: 2, 2: 1})
	return decodeAs[int](k.t, m[3])
}

// token gets a pinUvAuthToken with getPinUvAuthTokenUsingPinWithPermissions,
// or with the legacy getPinToken when perms is 0.
func (s *pinSession) token(pin string, perms byte, rpID string) ([]byte, byte) {
	k := s.k
	k.t.Helper()
	req := map[int]any{1: s.proto, 2: 5, 3: s.cose, 6: s.enc(pinHash(pin))}
	if perms != 0 {
		req[2] = 9
		req[9] = perms
		if rpID != "" {
			req[10] = rpID
		}
	}
	st, m := k.call(cmdClientPIN, req)
	if st != 0 {
		return nil, st
	}
	tok := s.dec(decodeAs[[]byte](k.t, m[2]))
	if len(tok) != 32 {
		k.t.Fatalf("token of %d bytes", len(tok))
	}
	return tok, 0
}

// mustToken opens a session and gets a token that must be granted.
func (k *testKey) mustToken(proto uint64, pin string, perms byte, rpID string) (*pinSession, []byte) {
	k.t.Helper()
	s := k.session(proto)
	tok, st := s.token(pin, perms, rpID)
	if st != 0 {
		k.t.Fatalf("token: status %#x", st)
	}
	return s, tok
}
