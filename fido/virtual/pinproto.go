package virtual

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"

	"github.com/fxamacker/cbor/v2"
)

// PIN/UV auth protocols one and two (CTAP 2.1 §6.5.6, §6.5.7).
//
// Protocol one: shared secret = SHA-256(Z.x); encrypt = AES-256-CBC with a
// zero IV; authenticate = LEFT(HMAC-SHA-256(key, msg), 16).
// Protocol two: shared secret = HKDF-SHA-256(salt 32×0x00, Z.x, "CTAP2 HMAC
// key") || HKDF-SHA-256(salt 32×0x00, Z.x, "CTAP2 AES key"); encrypt = random
// IV || AES-256-CBC under the AES key; authenticate = HMAC-SHA-256 under the
// first 32 bytes of the key.

// COSE key parameters.
const (
	coseKty         = 1
	coseAlg         = 3
	coseCrv         = -1
	coseX           = -2
	coseY           = -3
	coseKtyEC2      = 2
	coseCrvP256     = 1
	coseAlgES256    = -7
	coseAlgECDHHKDF = -25 // ECDH-ES + HKDF-256, the key agreement key
)

var errBadCiphertext = errors.New("bad ciphertext length")

func validProtocol(proto uint64) bool { return proto == 1 || proto == 2 }

// sharedSecret runs ECDH with the platform's key agreement key and derives
// the protocol's shared secret.
func sharedSecret(proto uint64, priv *ecdh.PrivateKey, peer *ecdh.PublicKey) ([]byte, error) {
	z, err := priv.ECDH(peer)
	if err != nil {
		return nil, err
	}
	if proto == 1 {
		h := sha256.Sum256(z)
		return h[:], nil
	}
	salt := make([]byte, 32)
	hmacKey, err := hkdf.Key(sha256.New, z, salt, "CTAP2 HMAC key", 32)
	if err != nil {
		return nil, err
	}
	aesKey, err := hkdf.Key(sha256.New, z, salt, "CTAP2 AES key", 32)
	if err != nil {
		return nil, err
	}
	return append(hmacKey, aesKey...), nil
}

func aesKeyOf(proto uint64, key []byte) []byte {
	if proto == 2 && len(key) == 64 {
		return key[32:]
	}
	return key[:32]
}

func encrypt(proto uint64, key, plaintext []byte, rnd io.Reader) ([]byte, error) {
	if len(plaintext)%aes.BlockSize != 0 {
		return nil, errBadCiphertext
	}
	block, err := aes.NewCipher(aesKeyOf(proto, key))
	if err != nil {
		return nil, err
	}
	iv := make([]byte, aes.BlockSize)
	if proto == 2 {
		if _, err := io.ReadFull(rnd, iv); err != nil {
			return nil, err
		}
	}
	out := make([]byte, len(plaintext))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plaintext)
	if proto == 2 {
		out = append(iv, out...)
	}
	return out, nil
}

func decrypt(proto uint64, key, ciphertext []byte) ([]byte, error) {
	iv := make([]byte, aes.BlockSize)
	if proto == 2 {
		if len(ciphertext) < aes.BlockSize {
			return nil, errBadCiphertext
		}
		iv, ciphertext = ciphertext[:aes.BlockSize], ciphertext[aes.BlockSize:]
	}
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, errBadCiphertext
	}
	block, err := aes.NewCipher(aesKeyOf(proto, key))
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	return out, nil
}

func authenticate(proto uint64, key, msg []byte) []byte {
	if len(key) > 32 {
		key = key[:32]
	}
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	sum := m.Sum(nil)
	if proto == 1 {
		return sum[:16]
	}
	return sum
}

func verify(proto uint64, key, msg, sig []byte) bool {
	want := authenticate(proto, key, msg)
	return len(sig) == len(want) && subtle.ConstantTimeCompare(sig, want) == 1
}

// coseECDHKey encodes the authenticator's key agreement public key.
func coseECDHKey(pub *ecdh.PublicKey) map[int]any {
	b := pub.Bytes() // 0x04 || X || Y
	return map[int]any{coseKty: coseKtyEC2, coseAlg: coseAlgECDHHKDF, coseCrv: coseCrvP256,
		coseX: b[1:33], coseY: b[33:65]}
}

// parsePlatformKey decodes the platform's COSE key agreement key.
func parsePlatformKey(raw cbor.RawMessage) (*ecdh.PublicKey, error) {
	var m map[int]cbor.RawMessage
	if err := unmarshal(raw, majorMap, &m); err != nil {
		return nil, err
	}
	var kty, crv int64
	var x, y []byte
	if m[coseKty] == nil || m[coseX] == nil || m[coseY] == nil {
		return nil, errMissingParameter
	}
	if err := decMode.Unmarshal(m[coseKty], &kty); err != nil {
		return nil, errCBORUnexpectedType
	}
	if m[coseCrv] != nil {
		if err := decMode.Unmarshal(m[coseCrv], &crv); err != nil || crv != coseCrvP256 {
			return nil, errInvalidParameter
		}
	}
	if err := unmarshal(m[coseX], majorBytes, &x); err != nil {
		return nil, err
	}
	if err := unmarshal(m[coseY], majorBytes, &y); err != nil {
		return nil, err
	}
	if kty != coseKtyEC2 || len(x) != 32 || len(y) != 32 {
		return nil, errInvalidParameter
	}
	pub, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, errInvalidParameter
	}
	return pub, nil
}
