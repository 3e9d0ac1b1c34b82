package main

import (
	"bytes"
	"os"
	"os/signal"

	"golang.org/x/term"

	"github.com/otterauth/otter/internal/errcat"
)

// interruptible runs read, a blocking read of the terminal on stdin, and
// returns errcat.ErrInterrupted (exit 130) when ctrl+c comes first: the
// terminal gets its settings back (echo on again), the command stops
// before writing anything. Without a terminal it just reads.
func interruptible[T any](stdin any, read func() (T, error)) (T, error) {
	var zero T
	in, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return read()
	}
	state, err := term.GetState(int(in.Fd()))
	if err != nil {
		return read()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := read()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-sig:
		term.Restore(int(in.Fd()), state)
		return zero, errcat.ErrInterrupted // the read stays blocked; otter exits
	}
}

// readPassword is term.ReadPassword that ctrl+c interrupts, whether the
// terminal turns it into SIGINT or hands it over as the byte 3.
func readPassword(stdin *os.File) ([]byte, error) {
	b, err := interruptible(stdin, func() ([]byte, error) { return term.ReadPassword(int(stdin.Fd())) })
	if err == nil && bytes.IndexByte(b, 3) >= 0 {
		wipe(b)
		return nil, errcat.ErrInterrupted
	}
	return b, err
}
