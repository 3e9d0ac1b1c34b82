package virtual

import "encoding/hex"

var aaguidBytes = func() []byte {
	b, err := hex.DecodeString(AAGUIDHex)
	if err != nil || len(b) != 16 {
		panic("virtual: bad AAGUIDHex")
	}
	return b
}()

func aaguid() []byte { return aaguidBytes }

const (
	maxCredentialCountInList = 16
	maxCredentialIDLength    = 128
	minPINLength             = 4
)

// getInfo answers authenticatorGetInfo (CTAP 2.1 §6.4).
func (a *Authenticator) getInfo(body []byte) (any, error) {
	if len(body) != 0 {
		return nil, errInvalidLength
	}
	st := a.dev.st
	return map[int]any{
		0x01: []string{"FIDO_2_0", "FIDO_2_1"},
		0x02: []string{"credProtect", "hmac-secret"},
		0x03: aaguid(),
		0x04: map[string]bool{
			"rk":             true,
			"up":             true,
			"plat":           false,
			"clientPin":      st.PINHash != nil,
			"credMgmt":       true,
			"pinUvAuthToken": true,
		},
		0x05: maxMsgLen,
		0x06: []int{2, 1},
		0x07: maxCredentialCountInList,
		0x08: maxCredentialIDLength,
		0x09: []string{"usb"},
		0x0a: []map[string]any{{"alg": coseAlgES256, "type": "public-key"}},
		0x0d: minPINLength,
		0x0e: 1,
		0x14: residentSlots - len(st.Credentials),
	}, nil
}
