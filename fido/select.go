package fido

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// touchPoll is how long each key is listened to per round of Select.
const touchPoll = 50 * time.Millisecond

// Select opens the keys devs and returns the one the user touches; the
// others are cancelled and closed. With one key it just opens it. It fails
// when every key refused (the last key's error) or ctx ends. It is
// LibFIDO2().Select.
func Select(ctx context.Context, devs []DeviceInfo) (Device, error) {
	switch len(devs) {
	case 0:
		return nil, &Error{Op: "select a key", RetriesLeft: -1, Err: ErrNotFound}
	case 1:
		return Open(ctx, devs[0].Path)
	}
	var cands []*device
	var lastErr error
	for _, info := range devs {
		d, err := open(ctx, info.Path)
		if err == nil {
			err = d.run(ctx, "select a key", func(c *conn) error { return c.touchBegin() })
			if err != nil {
				d.Close()
			}
		}
		if err != nil {
			lastErr = err
			continue
		}
		cands = append(cands, d)
	}
	d, err := pollTouch(ctx, cands)
	if d == nil && err == nil {
		err = lastErr
	}
	if d == nil {
		return nil, err
	}
	return d, err
}

// pollTouch listens to every candidate in turn until one reports a touch.
func pollTouch(ctx context.Context, cands []*device) (*device, error) {
	var lastErr error
	deadline := time.Now().Add(DefaultTimeout)
	for len(cands) > 0 {
		if err := ctx.Err(); err != nil || time.Now().After(deadline) {
			closeAll(cands)
			return nil, selectDone(ctx)
		}
		for i := 0; i < len(cands); i++ {
			d := cands[i]
			var touched bool
			err := d.run(ctx, "select a key", func(c *conn) error {
				var err error
				touched, err = c.touchStatus(int(touchPoll.Milliseconds()))
				return err
			})
			switch {
			case err != nil:
				lastErr = err
				d.Close()
				cands = append(cands[:i], cands[i+1:]...)
				i--
			case touched:
				closeAll(append(cands[:i:i], cands[i+1:]...))
				return d, nil
			}
		}
	}
	return nil, lastErr
}

func selectDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return &Error{Op: "select a key", RetriesLeft: -1, Err: fmt.Errorf("%w: %w", ErrCanceled, err)}
	}
	return &Error{Op: "select a key", RetriesLeft: -1, Err: ErrActionTimeout}
}

// closeAll cancels the touch request of each device and closes it.
func closeAll(devs []*device) {
	for _, d := range devs {
		d.run(context.Background(), "cancel", func(c *conn) error { c.cancel(); return nil })
		d.Close()
	}
}
