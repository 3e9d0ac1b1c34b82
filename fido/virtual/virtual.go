// Package virtual is a software FIDO2 authenticator (a CTAP 2.1 subset) that
// speaks CTAPHID over 64-byte HID reports, so that the real libfido2 can drive
// it through fido_dev_set_io_functions with no hardware.
//
// It owns the CTAPHID transport (channels, framing, keepalives, cancel), the
// CTAP2 commands getInfo, makeCredential, getAssertion, getNextAssertion,
// clientPIN (PIN/UV auth protocols 1 and 2), credentialManagement (0x0A and
// the 0x41 prototype), reset and selection, and the state file.
//
// The state file is JSON written atomically with mode 0600. It holds the
// device master key (which seals the self-contained IDs of non-resident
// credentials), LEFT(SHA-256(PIN), 16), the PIN retry counter, the global
// signature counter and the resident credentials with their private keys.
// It is a test device: nothing in it is protected beyond file permissions.
package virtual

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// AAGUIDHex is the AAGUID of every virtual key ("otter-virtual-01" in ASCII),
// so that tests and the app can recognise it.
const AAGUIDHex = "6f747465722d7669727475616c2d3031"

var (
	// ErrTimeout is returned by Read when no report came in time.
	ErrTimeout = errors.New("virtual: no report before the timeout")
	// ErrClosed is returned by Read and Write after Close or Unplug.
	ErrClosed = errors.New("virtual: authenticator closed or unplugged")
)

// Presence decides what happens when an operation needs user presence.
type Presence int

const (
	// Approve grants presence at once, as if the key were touched.
	Approve Presence = iota
	// Deny refuses presence: the operation fails with CTAP2_ERR_OPERATION_DENIED.
	Deny
	// TimeOut never touches the key: the authenticator sends KEEPALIVE
	// (status UPNEEDED) every 100 ms until the presence timeout, then fails
	// with CTAP2_ERR_USER_ACTION_TIMEOUT. Switching to Approve or Deny while
	// it waits ends the wait that way.
	TimeOut
)

const (
	defaultPresenceTimeout = 3 * time.Second
	defaultResetWindow     = 10 * time.Second
	defaultMsgTimeout      = time.Second // between packets of one request
	keepaliveInterval      = 100 * time.Millisecond
)

// Authenticator is a software FIDO2 authenticator. It is safe for concurrent
// use; it handles one CTAPHID transaction at a time, as real keys do.
type Authenticator struct {
	mu              sync.Mutex
	closed          bool
	out             [][]byte      // input reports waiting for Read
	signal          chan struct{} // closed and replaced when out or closed changes
	channels        map[uint32]bool
	nextCID         uint32
	rx              *assembly // request being reassembled
	busy            *pending  // CBOR request being processed
	presence        Presence
	presenceTimeout time.Duration
	resetWindow     time.Duration
	msgTimeout      time.Duration
	openedAt        time.Time
	workers         sync.WaitGroup
	work            sync.Mutex // held by the worker running a CBOR request

	dev *device // CTAP2 state; only the one running request touches it
}

// Open loads the state file, creating it if missing with fresh key material
// and no PIN, and returns the plugged-in authenticator.
func Open(statePath string) (*Authenticator, error) {
	dev, err := openDevice(statePath)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{
		signal:          make(chan struct{}),
		channels:        map[uint32]bool{},
		nextCID:         1,
		presenceTimeout: defaultPresenceTimeout,
		resetWindow:     defaultResetWindow,
		msgTimeout:      defaultMsgTimeout,
		dev:             dev,
	}
	a.openedAt = dev.now()
	return a, nil
}

// Close unplugs the authenticator and waits for a running request to stop.
// The state was already saved after each change.
func (a *Authenticator) Close() error {
	a.Unplug()
	return nil
}

// Unplug simulates removing the key: a request waiting for presence is
// abandoned, and pending and future Read and Write calls return ErrClosed.
func (a *Authenticator) Unplug() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		if a.busy != nil {
			a.busy.abort()
		}
		if a.rx != nil {
			a.rx.timer.Stop()
			a.rx = nil
		}
		a.out = nil
		a.notifyLocked()
	}
	a.mu.Unlock()
	a.workers.Wait()
}

// SetPresence sets what happens when an operation needs user presence.
func (a *Authenticator) SetPresence(p Presence) {
	a.mu.Lock()
	a.presence = p
	a.mu.Unlock()
}

// SetPresenceTimeout sets how long TimeOut waits before failing with
// CTAP2_ERR_USER_ACTION_TIMEOUT (default 3 s).
func (a *Authenticator) SetPresenceTimeout(d time.Duration) {
	a.mu.Lock()
	a.presenceTimeout = d
	a.mu.Unlock()
}

// SetResetWindow sets how long after Open authenticatorReset is allowed
// (default 10 s, as on real keys); d <= 0 allows it at any time.
func (a *Authenticator) SetResetWindow(d time.Duration) {
	a.mu.Lock()
	a.resetWindow = d
	a.mu.Unlock()
}

// String describes the authenticator without any of its secrets.
func (a *Authenticator) String() string {
	return fmt.Sprintf("virtual authenticator %s", a.dev.path)
}

// resetAllowed reports whether authenticatorReset is still within its window.
func (a *Authenticator) resetAllowed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.resetWindow <= 0 || a.dev.now().Sub(a.openedAt) <= a.resetWindow
}

func (a *Authenticator) notifyLocked() {
	close(a.signal)
	a.signal = make(chan struct{})
}
