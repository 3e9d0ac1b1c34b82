package fido

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error an operation returns is an *Error that
// matches exactly one of them with errors.Is.
var (
	ErrPinInvalid         = errors.New("wrong PIN")
	ErrPinBlocked         = errors.New("the PIN is blocked: the key must be reset")
	ErrPinAuthBlocked     = errors.New("too many wrong PINs in a row: unplug the key and plug it back in")
	ErrPinRequired        = errors.New("the key needs its PIN for this")
	ErrPinNotSet          = errors.New("the key has no PIN")
	ErrPinPolicy          = errors.New("the PIN does not meet the key's rules")
	ErrPinAuthInvalid     = errors.New("PIN authentication failed")
	ErrUVBlocked          = errors.New("built-in user verification is blocked")
	ErrUVInvalid          = errors.New("user verification failed")
	ErrNoCredentials      = errors.New("no matching credential on this key")
	ErrCredentialExcluded = errors.New("the key already holds a credential from the exclude list")
	ErrKeyStoreFull       = errors.New("the key has no room for another resident credential")
	ErrActionTimeout      = errors.New("the key was not touched in time")
	ErrOperationDenied    = errors.New("the key refused: presence was denied")
	ErrNotAllowed         = errors.New("the key does not allow this now")
	ErrCanceled           = errors.New("the operation was cancelled")
	ErrUnsupported        = errors.New("not supported")
	ErrKeyRemoved         = errors.New("the key was removed")
	ErrTimeout            = errors.New("the key did not answer in time")
	ErrRx                 = errors.New("failed to read from the key")
	ErrTx                 = errors.New("failed to write to the key")
	ErrInvalidSignature   = errors.New("the key's signature does not verify")
	ErrInvalidArgument    = errors.New("invalid argument")
	ErrNotFound           = errors.New("no such key")
	ErrBusy               = errors.New("the key is busy with another program")
	ErrDevice             = errors.New("the key reported an error")
)

// codes is the one table from libfido2 error codes (fido/err.h) to
// sentinels; a test checks each name against libfido2's fido_strerr. Codes
// not listed map to ErrDevice.
var codes = map[int]struct {
	name string
	err  error
}{
	0x01: {"FIDO_ERR_INVALID_COMMAND", ErrUnsupported},
	0x02: {"FIDO_ERR_INVALID_PARAMETER", ErrInvalidArgument},
	0x03: {"FIDO_ERR_INVALID_LENGTH", ErrInvalidArgument},
	0x05: {"FIDO_ERR_TIMEOUT", ErrTimeout},
	0x06: {"FIDO_ERR_CHANNEL_BUSY", ErrBusy},
	0x0a: {"FIDO_ERR_LOCK_REQUIRED", ErrBusy},
	0x16: {"FIDO_ERR_UNSUPPORTED_EXTENSION", ErrUnsupported},
	0x19: {"FIDO_ERR_CREDENTIAL_EXCLUDED", ErrCredentialExcluded},
	0x22: {"FIDO_ERR_INVALID_CREDENTIAL", ErrNoCredentials},
	0x26: {"FIDO_ERR_UNSUPPORTED_ALGORITHM", ErrUnsupported},
	0x27: {"FIDO_ERR_OPERATION_DENIED", ErrOperationDenied},
	0x28: {"FIDO_ERR_KEY_STORE_FULL", ErrKeyStoreFull},
	0x2b: {"FIDO_ERR_UNSUPPORTED_OPTION", ErrUnsupported},
	0x2c: {"FIDO_ERR_INVALID_OPTION", ErrInvalidArgument},
	0x2d: {"FIDO_ERR_KEEPALIVE_CANCEL", ErrCanceled},
	0x2e: {"FIDO_ERR_NO_CREDENTIALS", ErrNoCredentials},
	0x2f: {"FIDO_ERR_USER_ACTION_TIMEOUT", ErrActionTimeout},
	0x30: {"FIDO_ERR_NOT_ALLOWED", ErrNotAllowed},
	0x31: {"FIDO_ERR_PIN_INVALID", ErrPinInvalid},
	0x32: {"FIDO_ERR_PIN_BLOCKED", ErrPinBlocked},
	0x33: {"FIDO_ERR_PIN_AUTH_INVALID", ErrPinAuthInvalid},
	0x34: {"FIDO_ERR_PIN_AUTH_BLOCKED", ErrPinAuthBlocked},
	0x35: {"FIDO_ERR_PIN_NOT_SET", ErrPinNotSet},
	0x36: {"FIDO_ERR_PIN_REQUIRED", ErrPinRequired},
	0x37: {"FIDO_ERR_PIN_POLICY_VIOLATION", ErrPinPolicy},
	0x3a: {"FIDO_ERR_ACTION_TIMEOUT", ErrActionTimeout},
	0x3c: {"FIDO_ERR_UV_BLOCKED", ErrUVBlocked},
	0x3f: {"FIDO_ERR_UV_INVALID", ErrUVInvalid},
	-1:   {"FIDO_ERR_TX", ErrTx},
	-2:   {"FIDO_ERR_RX", ErrRx},
	-3:   {"FIDO_ERR_RX_NOT_CBOR", ErrRx},
	-4:   {"FIDO_ERR_RX_INVALID_CBOR", ErrRx},
	-5:   {"FIDO_ERR_INVALID_PARAM", ErrInvalidArgument},
	-6:   {"FIDO_ERR_INVALID_SIG", ErrInvalidSignature},
	-7:   {"FIDO_ERR_INVALID_ARGUMENT", ErrInvalidArgument},
	-8:   {"FIDO_ERR_USER_PRESENCE_REQUIRED", ErrOperationDenied},
	-9:   {"FIDO_ERR_INTERNAL", ErrDevice},
	-10:  {"FIDO_ERR_NOTFOUND", ErrNotFound},
}

// Error is a failed operation on a key.
type Error struct {
	Op          string // what was attempted, e.g. "get assertion"
	Code        int    // the libfido2 error code; 0 when the binding itself failed
	RetriesLeft int    // for ErrPinInvalid: PIN attempts left; -1 when unknown
	Err         error  // the sentinel (and, for cancellation, the context's error)
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Err.Error()
	if errors.Is(e.Err, ErrPinInvalid) && e.RetriesLeft >= 0 {
		msg = fmt.Sprintf("%s (%d %s left)", msg, e.RetriesLeft, plural(e.RetriesLeft, "attempt", "attempts"))
	}
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// codeError returns the *Error for a libfido2 return code, nil for FIDO_OK.
func codeError(code int) error {
	if code == 0 {
		return nil
	}
	s := fmt.Errorf("%w (code %#02x)", ErrDevice, code)
	if c, ok := codes[code]; ok {
		s = c.err
	}
	return &Error{Code: code, RetriesLeft: -1, Err: s}
}

// newError returns an *Error for a failure found by the binding itself.
func newError(sentinel error, format string, args ...any) error {
	return &Error{RetriesLeft: -1, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// Retries returns the PIN attempts left carried by err, or -1.
func Retries(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.RetriesLeft
	}
	return -1
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
