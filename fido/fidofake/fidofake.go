// Package fidofake is an in-memory stand-in for security keys: a
// fido.Backend whose keys are plain Go values, so that otter's key flows
// can be tested without cgo, libfido2 or hardware.
//
// A fake key keeps the semantics a user notices, as fido/virtual keys
// driven through libfido2 do (a conformance test checks both):
//
//   - A key has no PIN until SetPIN. It allows 8 PIN attempts: every
//     wrong PIN costs one and fails with fido.ErrPinInvalid carrying the
//     attempts left, the right one restores all 8. Three wrong PINs in a
//     row fail with fido.ErrPinAuthBlocked until the key is plugged in
//     again (Replug); the last attempt blocks the PIN (fido.ErrPinBlocked)
//     until Reset.
//   - MakeCredential asks for a touch and needs the PIN once one is set
//     (fido.ErrPinRequired); a PIN given to a key without one is
//     fido.ErrPinNotSet. Resident credentials take one of 25 slots.
//   - GetAssertion asks for a touch unless NoPresence; an allow list the
//     key holds none of is fido.ErrNoCredentials, as is a credential whose
//     credProtect level asks for the PIN when none was given. With
//     HMACSalt it returns the credential's hmac-secret output: HMAC-SHA256
//     of the salt under a random per-credential secret (one with the PIN,
//     another without, as CTAP keeps two), so the same salt gives the same
//     output and another key or credential a different one. Assertions are
//     ES256-signed over authData ‖ clientDataHash and verified against
//     PublicKey when it is given.
//   - Credential management needs the PIN (fido.ErrPinRequired without
//     one, fido.ErrPinNotSet on a key without one).
//   - Reset asks for a touch and is allowed only within the reset window
//     (10 s unless SetResetWindow) after the key was plugged in
//     (fido.ErrNotAllowed after it); it erases every credential and the
//     PIN.
//   - A touch is approved at once, denied (fido.ErrOperationDenied), left
//     to time out (fido.ErrActionTimeout after the presence timeout) or
//     answered by the key vanishing (fido.ErrKeyRemoved), per SetPresence.
//     Cancelling the context or Cancel ends the wait with fido.ErrCanceled.
//   - An unplugged key is not listed, cannot be opened (fido.ErrNotFound)
//     and fails every operation of a device still open with
//     fido.ErrKeyRemoved.
//
// Errors are *fido.Error values with the operation names of the libfido2
// binding, so that messages built from them read the same.
package fidofake

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"
	"sync"
	"time"

	"github.com/otterauth/otter/fido"
)

// Presence is what a fake key does when it asks for a touch.
type Presence int

const (
	Approve Presence = iota // the user touches the key at once
	Deny                    // the user refuses: fido.ErrOperationDenied
	TimeOut                 // nobody touches it: fido.ErrActionTimeout after the presence timeout
	Unplug                  // the key is pulled out while it waits: fido.ErrKeyRemoved
)

const (
	maxPINRetries      = 8
	residentSlots      = 25
	defaultResetWindow = 10 * time.Second
	defaultTouchWait   = 30 * time.Second
)

// AAGUID is the AAGUID every fake key reports.
var AAGUID = []byte("otter fake key\x00\x01")

// Backend is a set of fake keys; it implements fido.Backend. Its zero
// value has no keys. It is safe for concurrent use.
type Backend struct {
	mu   sync.Mutex
	keys []*Key // in the order they were (last) plugged in
}

var _ fido.Backend = (*Backend)(nil)

// New returns a Backend with no keys.
func New() *Backend { return &Backend{} }

// Add plugs in a new key described by di (Path must be unique; an empty
// Product becomes "otter fake key") and returns it.
func (b *Backend) Add(di fido.DeviceInfo) *Key {
	if di.Product == "" {
		di.Product = "otter fake key"
	}
	k := &Key{b: b, info: di, retries: maxPINRetries, resetWindow: defaultResetWindow,
		touchWait: defaultTouchWait, aaguid: AAGUID, gone: make(chan struct{})}
	b.mu.Lock()
	b.keys = append(b.keys, k)
	b.mu.Unlock()
	k.Replug()
	return k
}

// List implements fido.Backend: the keys plugged in, in the order they
// were plugged in.
func (b *Backend) List() ([]fido.DeviceInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []fido.DeviceInfo
	for _, k := range b.keys {
		if k.Plugged() {
			out = append(out, k.info)
		}
	}
	return out, nil
}

// Open implements fido.Backend.
func (b *Backend) Open(ctx context.Context, path string) (fido.Device, error) {
	op := "open " + path
	if err := ctx.Err(); err != nil {
		return nil, canceled(op, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range b.keys {
		if k.info.Path == path && k.Plugged() {
			return &device{k: k, timeout: fido.DefaultTimeout}, nil
		}
	}
	return nil, newErr(op, fido.ErrNotFound)
}

// Select implements fido.Backend: the first of devs whose presence is
// Approve is the one touched. When none is, it waits for the longest
// presence timeout and fails with fido.ErrActionTimeout, or with
// ErrCanceled when ctx ends first.
func (b *Backend) Select(ctx context.Context, devs []fido.DeviceInfo) (fido.Device, error) {
	const op = "select a key"
	switch len(devs) {
	case 0:
		return nil, newErr(op, fido.ErrNotFound)
	case 1:
		return b.Open(ctx, devs[0].Path)
	}
	var wait time.Duration
	var lastErr error
	for _, di := range devs {
		d, err := b.Open(ctx, di.Path)
		if err != nil {
			lastErr = err
			continue
		}
		k := d.(*device).k
		p, w := k.presenceOf()
		if p == Approve {
			return d, nil
		}
		d.Close()
		wait = max(wait, w)
	}
	if lastErr != nil && wait == 0 {
		return nil, lastErr
	}
	select {
	case <-ctx.Done():
		return nil, canceled(op, ctx.Err())
	case <-time.After(wait):
		return nil, newErr(op, fido.ErrActionTimeout)
	}
}

// Key is one fake key. Its methods are the test's hands on it: they steer
// what a touch does, unplug it and plug it back in. It is safe for
// concurrent use.
type Key struct {
	b    *Backend
	info fido.DeviceInfo

	mu          sync.Mutex
	gone        chan struct{} // closed while unplugged
	pluggedAt   time.Time
	presence    Presence
	touchWait   time.Duration
	resetWindow time.Duration
	aaguid      []byte

	pin        []byte // nil: no PIN set
	retries    int
	mismatches int // wrong PINs in a row since plugged in
	creds      []*cred
	signCount  uint32
}

// DeviceInfo is what List says about the key.
func (k *Key) DeviceInfo() fido.DeviceInfo { return k.info }

// SetAAGUID sets the AAGUID the key reports (AAGUID unless set).
func (k *Key) SetAAGUID(aaguid []byte) {
	k.mu.Lock()
	k.aaguid = bytes.Clone(aaguid)
	k.mu.Unlock()
}

// SetPresence sets what the key does when it asks for a touch.
func (k *Key) SetPresence(p Presence) {
	k.mu.Lock()
	k.presence = p
	k.mu.Unlock()
}

// SetPresenceTimeout sets how long a TimeOut touch waits (30 s unless
// set).
func (k *Key) SetPresenceTimeout(d time.Duration) {
	k.mu.Lock()
	k.touchWait = d
	k.mu.Unlock()
}

// SetResetWindow sets how long after being plugged in the key accepts a
// reset (10 s unless set).
func (k *Key) SetResetWindow(d time.Duration) {
	k.mu.Lock()
	k.resetWindow = d
	k.mu.Unlock()
}

// Unplug pulls the key out: it is no longer listed, and the operations of
// devices still open on it fail with fido.ErrKeyRemoved.
func (k *Key) Unplug() {
	k.mu.Lock()
	defer k.mu.Unlock()
	select {
	case <-k.gone:
	default:
		close(k.gone)
	}
}

// Replug plugs the key (back) in, last in List's order: a power cycle,
// which forgets the wrong PINs in a row and opens the reset window. Its
// credentials and PIN stay.
func (k *Key) Replug() {
	k.Unplug()
	k.mu.Lock()
	k.gone = make(chan struct{})
	k.pluggedAt = time.Now()
	k.mismatches = 0
	k.mu.Unlock()
	b := k.b
	b.mu.Lock()
	b.keys = append(slices.DeleteFunc(b.keys, func(x *Key) bool { return x == k }), k)
	b.mu.Unlock()
}

// Plugged reports whether the key is plugged in.
func (k *Key) Plugged() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	select {
	case <-k.gone:
		return false
	default:
		return true
	}
}

func (k *Key) aaguidOf() []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return bytes.Clone(k.aaguid)
}

func (k *Key) presenceOf() (Presence, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.presence, k.touchWait
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
