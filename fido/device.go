package fido

import (
	"context"
	"time"
)

// Device is an open security key: what otter's commands and screens do
// with one. LibFIDO2's Open returns one driven through libfido2; package
// fido/fidofake has an in-memory one for tests.
//
// The contract every implementation keeps:
//   - Errors are *Error values matching exactly one sentinel of this
//     package with errors.Is; a wrong PIN carries the attempts left in
//     RetriesLeft (-1 when unknown).
//   - PINs are []byte owned by the caller: a nil PIN means none, an empty
//     or over-long one (or one with a NUL) is ErrPinInvalid before the key
//     is asked; new PINs that break CTAP's rules are ErrPinPolicy.
//   - Operations that need a touch fail with ErrOperationDenied when the
//     user refuses it and ErrActionTimeout when nobody touches the key;
//     cancelling ctx (or Cancel) ends them with ErrCanceled, and a key that
//     goes away makes them fail with ErrKeyRemoved.
//   - After Close every operation fails; Close itself always succeeds.
//   - Methods may be called from several goroutines; operations run one at
//     a time.
type Device interface {
	// DeviceInfo returns what List said about the key.
	DeviceInfo() DeviceInfo
	// Info reads the key's getInfo and its PIN retry counter (-1 when
	// the key has no PIN support).
	Info(ctx context.Context) (Info, error)
	// PINRetries returns how many PIN attempts are left before the PIN
	// blocks.
	PINRetries(ctx context.Context) (int, error)
	// SetPIN sets the first PIN of a key that has none.
	SetPIN(ctx context.Context, pin []byte) error
	// ChangePIN replaces the key's PIN old with pin.
	ChangePIN(ctx context.Context, old, pin []byte) error
	// MakeCredential makes a new credential (resident when o.Resident);
	// the key asks for a touch.
	MakeCredential(ctx context.Context, o CredentialOptions) (Credential, error)
	// GetAssertion gets every assertion the key gives for o (one per
	// allowed or resident credential); the key asks for a touch unless
	// o.NoPresence. An allow list the key holds none of is
	// ErrNoCredentials. With o.HMACSalt, each assertion carries the
	// credential's hmac-secret output for that salt: the same salt gives
	// the same output, another credential a different one.
	GetAssertion(ctx context.Context, o AssertionOptions) ([]Assertion, error)
	// CredentialsMetadata counts the key's resident credentials (needs
	// the PIN).
	CredentialsMetadata(ctx context.Context, pin []byte) (Metadata, error)
	// RPs lists the relying parties with resident credentials (needs the
	// PIN).
	RPs(ctx context.Context, pin []byte) ([]RP, error)
	// Credentials lists the resident credentials of rpID (needs the PIN).
	Credentials(ctx context.Context, rpID string, pin []byte) ([]Credential, error)
	// DeleteCredential deletes the resident credential id (needs the
	// PIN); an id the key does not hold is ErrNoCredentials.
	DeleteCredential(ctx context.Context, id, pin []byte) error
	// Reset erases every credential and the PIN. Keys accept it only
	// within seconds of being plugged in (else ErrNotAllowed) and ask for
	// a touch.
	Reset(ctx context.Context) error
	// SetTimeout bounds later operations (0: DefaultTimeout); a context
	// deadline that comes earlier wins.
	SetTimeout(t time.Duration)
	// Cancel asks the key to abandon the operation in progress, if any;
	// it then fails with ErrCanceled.
	Cancel()
	// Close cancels the operation in progress, waits for it to end and
	// closes the key.
	Close() error
}

// Backend lists and opens keys. LibFIDO2 is the real one; tests put
// fido/fidofake in its place.
type Backend interface {
	// List returns the keys plugged in.
	List() ([]DeviceInfo, error)
	// Open opens the key at path (a DeviceInfo.Path); a path that is not
	// plugged in is ErrNotFound.
	Open(ctx context.Context, path string) (Device, error)
	// Select opens the keys devs and returns the one the user touches;
	// the others are closed. With one key it just opens it; with none it
	// fails with ErrNotFound.
	Select(ctx context.Context, devs []DeviceInfo) (Device, error)
}

// libfido2 is the Backend of List, Open and Select.
type libfido2 struct{}

var _ Backend = libfido2{}

// LibFIDO2 returns the Backend that drives keys through libfido2: the
// hardware keys it finds and the virtual keys of fido/virtual. Without cgo
// its operations fail with ErrUnsupported.
func LibFIDO2() Backend { return libfido2{} }

func (libfido2) List() ([]DeviceInfo, error) { return List() }

func (libfido2) Open(ctx context.Context, path string) (Device, error) { return Open(ctx, path) }

func (libfido2) Select(ctx context.Context, devs []DeviceInfo) (Device, error) {
	return Select(ctx, devs)
}
