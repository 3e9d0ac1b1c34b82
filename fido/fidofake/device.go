package fidofake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/otterauth/otter/fido"
)

// device is an open fake key; it implements fido.Device.
type device struct {
	k *Key

	op sync.Mutex // held for the whole of an operation

	mu      sync.Mutex // guards the fields below
	closed  bool
	timeout time.Duration
	cancel  chan struct{} // closed by Cancel; nil when idle
}

var _ fido.Device = (*device)(nil)

// call is one operation in progress.
type call struct {
	ctx    context.Context
	cancel chan struct{}
}

func (d *device) DeviceInfo() fido.DeviceInfo { return d.k.info }

func (d *device) SetTimeout(t time.Duration) {
	if t <= 0 {
		t = fido.DefaultTimeout
	}
	d.mu.Lock()
	d.timeout = t
	d.mu.Unlock()
}

func (d *device) Cancel() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel != nil {
		close(d.cancel)
		d.cancel = nil
	}
}

func (d *device) Close() error {
	d.Cancel()
	d.op.Lock()
	defer d.op.Unlock()
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	return nil
}

// run performs one operation: it holds the device, applies the timeout,
// and names op in the *fido.Error it returns. A key unplugged by the time
// it fails makes it fido.ErrKeyRemoved, as with real keys.
func (d *device) run(ctx context.Context, op string, f func(c call) error) error {
	d.op.Lock()
	defer d.op.Unlock()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return newErr(op, fmt.Errorf("%w: the device is closed", fido.ErrInvalidArgument))
	}
	cancel := make(chan struct{})
	d.cancel = cancel
	timeout := d.timeout
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		if d.cancel == cancel {
			d.cancel = nil
		}
		d.mu.Unlock()
	}()
	if err := ctx.Err(); err != nil {
		return canceled(op, err)
	}
	ctx, stop := context.WithTimeout(ctx, timeout)
	defer stop()
	err := d.k.alive()
	if err == nil {
		err = f(call{ctx: ctx, cancel: cancel})
	}
	if err == nil {
		return nil
	}
	var fe *fido.Error
	if !errors.As(err, &fe) {
		fe = &fido.Error{RetriesLeft: -1, Err: err}
	}
	fe.Op = op
	if !d.k.Plugged() {
		fe.Err, fe.RetriesLeft = fido.ErrKeyRemoved, -1
	}
	return fe
}

// alive fails with ErrKeyRemoved once the key is unplugged.
func (k *Key) alive() error {
	if !k.Plugged() {
		return fido.ErrKeyRemoved
	}
	return nil
}

// touch asks for a touch and waits for what the key's presence says.
func (k *Key) touch(c call) error {
	p, wait := k.presenceOf()
	switch p {
	case Deny:
		return fido.ErrOperationDenied
	case Unplug:
		k.Unplug()
		return fido.ErrKeyRemoved
	case TimeOut:
		k.mu.Lock()
		gone := k.gone
		k.mu.Unlock()
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
			return fido.ErrActionTimeout
		case <-gone:
			return fido.ErrKeyRemoved
		case <-c.cancel:
			return fido.ErrCanceled
		case <-c.ctx.Done():
			if errors.Is(c.ctx.Err(), context.DeadlineExceeded) {
				return fido.ErrTimeout
			}
			return fmt.Errorf("%w: %w", fido.ErrCanceled, c.ctx.Err())
		}
	}
	return nil
}

func (d *device) Info(ctx context.Context) (fido.Info, error) {
	var info fido.Info
	err := d.run(ctx, "get info", func(call) error {
		k := d.k
		k.mu.Lock()
		defer k.mu.Unlock()
		info = fido.Info{
			Versions:   []string{"FIDO_2_0", "FIDO_2_1"},
			Extensions: []string{"credProtect", "hmac-secret"},
			AAGUID:     bytes.Clone(k.aaguid),
			Options: map[string]bool{"rk": true, "up": true, "plat": false, "clientPin": k.pin != nil,
				"credMgmt": true, "pinUvAuthToken": true},
			PINRetries:        k.retries,
			RemainingResident: residentSlots - k.residents(),
			MaxMsgSize:        1200,
			Protocols:         []int{2, 1},
		}
		return nil
	})
	return info, err
}

func (d *device) PINRetries(ctx context.Context) (int, error) {
	var n int
	err := d.run(ctx, "get PIN retries", func(call) error {
		d.k.mu.Lock()
		n = d.k.retries
		d.k.mu.Unlock()
		return nil
	})
	return n, err
}

func (d *device) SetPIN(ctx context.Context, pin []byte) error {
	const op = "set PIN"
	if err := checkNewPIN(pin); err != nil {
		return newErr(op, err)
	}
	return d.run(ctx, op, func(call) error {
		k := d.k
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.pin != nil {
			return fido.ErrNotAllowed
		}
		k.pin, k.retries = bytes.Clone(pin), maxPINRetries
		return nil
	})
}

func (d *device) ChangePIN(ctx context.Context, old, pin []byte) error {
	const op = "change PIN"
	if err := checkNewPIN(pin); err != nil {
		return newErr(op, err)
	}
	if err := checkPIN(old); err != nil {
		return newErr(op, err)
	}
	return d.run(ctx, op, func(call) error {
		k := d.k
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.pin == nil {
			return fido.ErrPinNotSet
		}
		if _, err := k.verifyPIN(old); err != nil {
			return err
		}
		k.pin = bytes.Clone(pin)
		return nil
	})
}

func (d *device) Reset(ctx context.Context) error {
	return d.run(ctx, "reset", func(c call) error {
		k := d.k
		k.mu.Lock()
		allowed := time.Since(k.pluggedAt) <= k.resetWindow
		k.mu.Unlock()
		if !allowed {
			return fido.ErrNotAllowed
		}
		if err := k.touch(c); err != nil {
			return err
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		k.pin, k.retries, k.mismatches, k.creds, k.signCount = nil, maxPINRetries, 0, nil, 0
		return nil
	})
}

// verifyPIN checks pin against the key's PIN, spending an attempt as CTAP
// does: nil pin (none given) is not verified. The caller holds k.mu.
func (k *Key) verifyPIN(pin []byte) (uv bool, err error) {
	switch {
	case pin == nil:
		return false, nil
	case k.pin == nil:
		return false, fido.ErrPinNotSet
	case k.retries == 0:
		return false, fido.ErrPinBlocked
	case k.mismatches >= 3:
		return false, fido.ErrPinAuthBlocked
	}
	k.retries--
	if bytes.Equal(pin, k.pin) {
		k.retries, k.mismatches = maxPINRetries, 0
		return true, nil
	}
	k.mismatches++
	switch {
	case k.retries == 0:
		return false, fido.ErrPinBlocked
	case k.mismatches >= 3:
		return false, fido.ErrPinAuthBlocked
	}
	return false, &fido.Error{RetriesLeft: k.retries, Err: fido.ErrPinInvalid}
}

// checkPIN refuses what the libfido2 binding refuses before asking the
// key: an empty PIN, more than 63 bytes or a NUL. A nil PIN means none.
func checkPIN(pin []byte) error {
	if pin != nil && (len(pin) == 0 || len(pin) > 63 || bytes.IndexByte(pin, 0) >= 0) {
		return fido.ErrPinInvalid
	}
	return nil
}

// checkNewPIN applies CTAP's rules for a new PIN: UTF-8, at least 4
// characters, at most 63 bytes, no NUL.
func checkNewPIN(pin []byte) error {
	if !utf8.Valid(pin) || utf8.RuneCount(pin) < 4 || len(pin) > 63 || bytes.IndexByte(pin, 0) >= 0 {
		return fido.ErrPinPolicy
	}
	return nil
}

func newErr(op string, err error) error {
	return &fido.Error{Op: op, RetriesLeft: -1, Err: err}
}

func canceled(op string, err error) error {
	return newErr(op, fmt.Errorf("%w: %w", fido.ErrCanceled, err))
}
