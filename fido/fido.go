// Package fido drives FIDO2 security keys through libfido2: it lists keys
// (real ones and the software keys of fido/virtual), reads their info,
// manages their PIN and resident credentials, makes credentials and gets
// assertions (with hmac-secret), resets them, and lets the user pick one of
// several keys by touching it.
//
// The libfido2 binding is cgo and lives in the *_cgo.go files, fido.c and
// dl.c, which loads libfido2 with dlopen on first use so that commands that
// never touch a key do not pay for loading it; everything else — the API,
// its types, the one table from libfido2 error codes to the sentinel
// errors, the virtual key registry — is pure Go. Without cgo, or when
// libfido2 cannot be loaded, every operation returns ErrUnsupported.
//
// Every operation takes a context: cancelling it sends CTAPHID_CANCEL to the
// key, and its deadline (or the device's timeout, DefaultTimeout unless set)
// bounds how long libfido2 waits for the key. PINs are []byte owned by the
// caller; the binding's C copies are wiped before they are freed.
package fido

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// DefaultTimeout bounds an operation, including waiting for a touch, when
// its context has no earlier deadline.
const DefaultTimeout = 60 * time.Second

// openTimeout bounds opening a key (CTAPHID_INIT and getInfo).
const openTimeout = 10 * time.Second

// Supported reports whether this build has libfido2 (cgo) and the library
// loads (it is loaded on first use); without it every operation fails with
// ErrUnsupported.
func Supported() bool { return supported && loaded() }

// List returns the keys present: hardware keys libfido2 finds, then the
// virtual keys (OTTER_FIDO_VIRTUAL and AddVirtual) that are plugged in.
// It is LibFIDO2().List.
func List() ([]DeviceInfo, error) {
	devs, err := manifest()
	if err != nil {
		return nil, fmt.Errorf("failed to list FIDO keys: %w", err)
	}
	virt, err := virtualInfos()
	if err != nil {
		return nil, err
	}
	return append(devs, virt...), nil
}

// device is a key opened through libfido2. Its methods may be called from
// several goroutines; operations run one at a time, and Cancel or Close
// interrupt the one in progress.
type device struct {
	info DeviceInfo

	op sync.Mutex // held for the whole of an operation

	mu      sync.Mutex // guards the fields below
	c       *conn
	busy    bool
	timeout time.Duration
}

var _ Device = (*device)(nil)

// Open opens the key at path (a DeviceInfo.Path) through libfido2. It is
// LibFIDO2().Open.
func Open(ctx context.Context, path string) (Device, error) {
	d, err := open(ctx, path)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func open(ctx context.Context, path string) (*device, error) {
	info, err := lookup(path)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(openTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: "open " + path, RetriesLeft: -1, Err: fmt.Errorf("%w: %w", ErrCanceled, err)}
	}
	c, err := openConn(path, info.Virtual, millis(deadline))
	if err != nil {
		d := &device{info: info}
		return nil, d.explain(ctx, "open "+path, nil, deadline, err)
	}
	return &device{info: info, c: c, timeout: DefaultTimeout}, nil
}

// lookup finds the DeviceInfo of path among the keys present.
func lookup(path string) (DeviceInfo, error) {
	devs, err := List()
	if err != nil {
		return DeviceInfo{}, err
	}
	for _, d := range devs {
		if d.Path == path {
			return d, nil
		}
	}
	return DeviceInfo{}, &Error{Op: "open " + path, RetriesLeft: -1, Err: ErrNotFound}
}

// DeviceInfo returns what List said about the key.
func (d *device) DeviceInfo() DeviceInfo { return d.info }

// SetTimeout bounds later operations (0: DefaultTimeout); a context
// deadline that comes earlier wins.
func (d *device) SetTimeout(t time.Duration) {
	if t <= 0 {
		t = DefaultTimeout
	}
	d.mu.Lock()
	d.timeout = t
	d.mu.Unlock()
}

// Cancel asks the key to abandon the operation in progress, if any; it
// then fails with ErrCanceled.
func (d *device) Cancel() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c != nil && d.busy {
		d.c.cancel()
	}
}

// Close cancels the operation in progress, waits for it to end and closes
// the key. Further calls return an error.
func (d *device) Close() error {
	d.Cancel()
	d.op.Lock()
	defer d.op.Unlock()
	d.mu.Lock()
	c := d.c
	d.c = nil
	d.mu.Unlock()
	if c == nil {
		return nil
	}
	c.close()
	return nil
}

// run performs one operation: it holds the device, applies the timeout,
// cancels the key when ctx is done, and turns the result into an *Error
// carrying op.
func (d *device) run(ctx context.Context, op string, f func(c *conn) error) error {
	d.op.Lock()
	defer d.op.Unlock()
	d.mu.Lock()
	c, timeout := d.c, d.timeout
	if c != nil {
		d.busy = true
	}
	d.mu.Unlock()
	if c == nil {
		return &Error{Op: op, RetriesLeft: -1, Err: fmt.Errorf("%w: the device is closed", ErrInvalidArgument)}
	}
	defer func() {
		d.mu.Lock()
		d.busy = false
		d.mu.Unlock()
	}()
	if err := ctx.Err(); err != nil {
		return d.explain(ctx, op, c, time.Time{}, codeError(0x2d))
	}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := c.setTimeout(millis(deadline)); err != nil {
		return d.explain(ctx, op, c, deadline, err)
	}
	stop := context.AfterFunc(ctx, d.Cancel)
	defer stop()
	err := f(c)
	if errors.Is(err, ErrRx) && !d.removed() {
		d.resync(c)
	}
	return d.explain(ctx, op, c, deadline, err)
}

// drainTimeout bounds the wait for the answer of an abandoned request.
const drainTimeout = 500 * time.Millisecond

// resync ends a transaction that libfido2 gave up reading (a timeout): it
// cancels it and reads the key's final answer, which would otherwise
// arrive as the answer to the next request on the channel.
func (d *device) resync(c *conn) {
	c.cancel()
	c.touchStatus(int(drainTimeout.Milliseconds()))
}

// explain names the operation in err and refines transport failures into
// ErrKeyRemoved, ErrTimeout or ErrCanceled, and a wrong PIN into the
// retries left.
func (d *device) explain(ctx context.Context, op string, c *conn, deadline time.Time, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{RetriesLeft: -1, Err: err}
	}
	e.Op = op
	switch {
	case d.removed(): // whatever failed, the key is gone
		e.Err = ErrKeyRemoved
	case errors.Is(e.Err, ErrRx), errors.Is(e.Err, ErrTx), errors.Is(e.Err, ErrCanceled):
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded), !deadline.IsZero() && !time.Now().Before(deadline):
			e.Err = ErrTimeout
		case ctx.Err() != nil:
			e.Err = fmt.Errorf("%w: %w", ErrCanceled, ctx.Err())
		}
	case errors.Is(e.Err, ErrPinInvalid) && c != nil:
		if n, rerr := c.retries(); rerr == nil {
			e.RetriesLeft = n
		}
	}
	return e
}

// removed reports whether the key has gone away.
func (d *device) removed() bool {
	if d.info.Virtual {
		return !virtualPresent(d.info.Path)
	}
	_, err := os.Stat(d.info.Path)
	return errors.Is(err, fs.ErrNotExist)
}

// millis converts a deadline into libfido2's timeout in ms (-1: none).
func millis(deadline time.Time) int {
	if deadline.IsZero() {
		return -1
	}
	ms := time.Until(deadline).Milliseconds()
	if ms < 1 {
		ms = 1
	}
	if ms > 1<<31-1 {
		return -1
	}
	return int(ms)
}

// clientDataHash returns h, or 32 random bytes when h is empty.
func clientDataHash(h []byte) []byte {
	if len(h) > 0 {
		return h
	}
	b := make([]byte, 32)
	rand.Read(b)
	return b
}
