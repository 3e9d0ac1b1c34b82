package virtual

import (
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// CTAP2 command bytes.
const (
	cmdMakeCredential   = 0x01
	cmdGetAssertion     = 0x02
	cmdGetInfo          = 0x04
	cmdClientPIN        = 0x06
	cmdReset            = 0x07
	cmdGetNextAssertion = 0x08
	cmdCredMgmt         = 0x0a
	cmdSelection        = 0x0b
	cmdCredMgmtPreview  = 0x41
)

// status is a CTAP status code returned as an error by command handlers.
type status byte

func (s status) Error() string { return fmt.Sprintf("ctap status 0x%02x", byte(s)) }

// CTAP 2.1 §8.2 status codes.
const (
	errInvalidCommand         status = 0x01
	errInvalidParameter       status = 0x02
	errInvalidLength          status = 0x03
	errCBORUnexpectedType     status = 0x11
	errInvalidCBOR            status = 0x12
	errMissingParameter       status = 0x14
	errCredentialExcluded     status = 0x19
	errUnsupportedAlgorithm   status = 0x26
	errOperationDenied        status = 0x27
	errKeyStoreFull           status = 0x28
	errUnsupportedOption      status = 0x2b
	errInvalidOption          status = 0x2c
	errKeepaliveCancel        status = 0x2d
	errNoCredentials          status = 0x2e
	errUserActionTimeout      status = 0x2f
	errNotAllowed             status = 0x30
	errPINInvalid             status = 0x31
	errPINBlocked             status = 0x32
	errPINAuthInvalid         status = 0x33
	errPINAuthBlocked         status = 0x34
	errPINNotSet              status = 0x35
	errPUATRequired           status = 0x36 // CTAP2_ERR_PIN_REQUIRED in CTAP 2.0
	errPINPolicyViolation     status = 0x37
	errInvalidSubcommand      status = 0x3e
	errUnauthorizedPermission status = 0x40
	errOther                  status = 0x7f
)

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	opts := cbor.CTAP2EncOptions()
	opts.Sort = cbor.SortLengthFirst // CTAP2 canonical: shorter keys first
	var err error
	if encMode, err = opts.EncMode(); err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  16,
		MaxArrayElements: 1024,
		MaxMapPairs:      256,
		TagsMd:           cbor.TagsForbidden,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// handleCBOR runs one authenticatorX command (command byte + CBOR
// parameters) and returns the response: a status byte and, on success, the
// CBOR-encoded response map if the command has one.
func (a *Authenticator) handleCBOR(p *pending, req []byte) []byte {
	if len(req) == 0 {
		return []byte{byte(errInvalidLength)}
	}
	cmd, body := req[0], req[1:]
	d := a.dev
	if cmd != cmdGetNextAssertion {
		d.nextAssert = nil
	}
	if cmd != cmdCredMgmt && cmd != cmdCredMgmtPreview {
		d.credMgmtIter = nil
	}
	var resp any
	var err error
	switch cmd {
	case cmdGetInfo:
		resp, err = a.getInfo(body)
	case cmdMakeCredential:
		resp, err = a.makeCredential(p, body)
	case cmdGetAssertion:
		resp, err = a.getAssertion(p, body)
	case cmdGetNextAssertion:
		resp, err = a.getNextAssertion()
	case cmdClientPIN:
		resp, err = a.clientPIN(body)
	case cmdReset:
		err = a.reset(p)
	case cmdCredMgmt, cmdCredMgmtPreview:
		resp, err = a.credentialManagement(cmd, body)
	case cmdSelection:
		err = a.selection(p)
	default:
		err = errInvalidCommand
	}
	return encodeResponse(resp, err)
}

func encodeResponse(resp any, err error) []byte {
	if err != nil {
		var s status
		if !errors.As(err, &s) || s == 0 {
			s = errOther
		}
		return []byte{byte(s)}
	}
	if resp == nil {
		return []byte{0}
	}
	enc, err := encMode.Marshal(resp)
	if err != nil {
		return []byte{byte(errOther)}
	}
	return append([]byte{0}, enc...)
}

// params are the integer-keyed parameters of a CTAP2 request.
type params map[int]cbor.RawMessage

// CBOR major types.
const (
	majorUint   = 0
	majorNegint = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorSimple = 7
)

func parseParams(body []byte) (params, error) {
	p := params{}
	if len(body) == 0 {
		return p, nil
	}
	if err := unmarshal(body, majorMap, &p); err != nil {
		return nil, err
	}
	return p, nil
}

// unmarshal decodes one CBOR item of the given major type into v, mapping
// decoding failures to CTAP status codes.
func unmarshal(raw []byte, major byte, v any) error {
	if len(raw) == 0 {
		return errInvalidCBOR
	}
	if raw[0]>>5 != major {
		return errCBORUnexpectedType
	}
	if err := decMode.Unmarshal(raw, v); err != nil {
		var te *cbor.UnmarshalTypeError
		if errors.As(err, &te) {
			return errCBORUnexpectedType
		}
		return errInvalidCBOR
	}
	return nil
}

func (p params) has(k int) bool {
	_, ok := p[k]
	return ok
}

// get decodes parameter k, which must be present, into v.
func (p params) get(k int, major byte, v any) error {
	raw, ok := p[k]
	if !ok {
		return errMissingParameter
	}
	return unmarshal(raw, major, v)
}

func (p params) bytes(k int) ([]byte, error) {
	var b []byte
	err := p.get(k, majorBytes, &b)
	return b, err
}

func (p params) text(k int) (string, error) {
	var s string
	err := p.get(k, majorText, &s)
	return s, err
}

func (p params) uint(k int) (uint64, error) {
	var n uint64
	err := p.get(k, majorUint, &n)
	return n, err
}

// options decodes an options map ({"rk": true, ...}) if present.
func (p params) options(k int) (map[string]bool, error) {
	opts := map[string]bool{}
	if !p.has(k) {
		return opts, nil
	}
	err := p.get(k, majorMap, &opts)
	return opts, err
}

// extensions decodes an extensions map if present.
func (p params) extensions(k int) (map[string]cbor.RawMessage, error) {
	ext := map[string]cbor.RawMessage{}
	if !p.has(k) {
		return ext, nil
	}
	err := p.get(k, majorMap, &ext)
	return ext, err
}

// descriptor is a PublicKeyCredentialDescriptor.
type descriptor struct {
	Type string `cbor:"type"`
	ID   []byte `cbor:"id"`
}

// descriptors decodes a list of credential descriptors if present, keeping
// those of type "public-key".
func (p params) descriptors(k int) ([]descriptor, error) {
	if !p.has(k) {
		return nil, nil
	}
	var raw []cbor.RawMessage
	if err := p.get(k, majorArray, &raw); err != nil {
		return nil, err
	}
	var list []descriptor
	for _, r := range raw {
		d, err := parseDescriptor(r)
		if err != nil {
			return nil, err
		}
		if d.Type == "public-key" {
			list = append(list, d)
		}
	}
	return list, nil
}

func parseDescriptor(raw []byte) (descriptor, error) {
	var d descriptor
	var m map[string]cbor.RawMessage
	if err := unmarshal(raw, majorMap, &m); err != nil {
		return d, err
	}
	if m["type"] == nil || m["id"] == nil {
		return d, errMissingParameter
	}
	if err := unmarshal(m["type"], majorText, &d.Type); err != nil {
		return d, err
	}
	return d, unmarshal(m["id"], majorBytes, &d.ID)
}

func descriptorFor(id []byte) map[string]any {
	return map[string]any{"id": id, "type": "public-key"}
}
