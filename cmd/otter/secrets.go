package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"golang.org/x/text/unicode/norm"

	"github.com/otterauth/otter/internal/errcat"
)

const maxSecretFile = 4096

// readSecretFile reads a password, PIN or recovery key from a file: one
// trailing newline (LF or CRLF) is dropped, nothing else is trimmed. A
// regular file that group or others may read gets a warning.
func (a *app) readSecretFile(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &userError{code: exitUsage, msg: fmt.Sprintf("cannot read the %s file: %v", what, err), err: err}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && exposedFile(fi) {
		a.warn("the %s file %s can be read by other users of this computer (mode %04o): chmod 600 %s",
			what, path, fi.Mode().Perm(), path)
	}
	buf := make([]byte, maxSecretFile+1)
	n, err := readFull(f, buf)
	if err != nil {
		return nil, fmt.Errorf("failed to read the %s file: %w", what, err)
	}
	if n > maxSecretFile {
		wipe(buf)
		return nil, &userError{code: exitUsage, msg: fmt.Sprintf("the %s file is larger than %d bytes", what, maxSecretFile)}
	}
	b := bytes.TrimSuffix(buf[:n], []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	out := append([]byte(nil), b...)
	wipe(buf)
	return out, nil
}

// exposedFile reports whether fi is a regular file that group or others
// may read or change. Modes are read, not tried (root reads anything);
// Windows, whose ACLs the bits do not show, is not checked.
func exposedFile(fi os.FileInfo) bool {
	return runtime.GOOS != "windows" && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0
}

func readFull(f *os.File, buf []byte) (int, error) {
	n, err := io.ReadFull(f, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return n, err
}

// normalizePassword applies Unicode NFC so that the same password typed on
// two keyboards (precomposed or combining accents) derives the same key.
func normalizePassword(p []byte) []byte {
	if norm.NFC.IsNormal(p) {
		return p
	}
	out := norm.NFC.Bytes(p)
	wipe(p)
	return out
}

// promptSecret asks for a secret on the terminal without echo.
func (a *app) promptSecret(prompt string) ([]byte, error) {
	in, ok := a.stdin.(*os.File)
	if !ok || !a.interactive() {
		return nil, errors.New("no terminal to ask for a secret on")
	}
	fmt.Fprint(a.stderr, prompt)
	b, err := readPassword(in)
	fmt.Fprintln(a.stderr)
	if errors.Is(err, errcat.ErrInterrupted) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read from the terminal: %w", err)
	}
	return b, nil
}

// promptNewPassword asks twice for a new password and checks they match.
func (a *app) promptNewPassword() ([]byte, error) {
	p, err := a.promptTwice("New vault password: ", "Repeat the password: ", "passwords")
	if err != nil {
		return nil, err
	}
	return normalizePassword(p), nil
}

// promptTwice asks for a new secret twice and returns it when both match;
// what names the secret in the mismatch error ("passwords", "PINs").
func (a *app) promptTwice(first, again, what string) ([]byte, error) {
	p1, err := a.promptSecret(first)
	if err != nil {
		return nil, err
	}
	p2, err := a.promptSecret(again)
	if err != nil {
		wipe(p1)
		return nil, err
	}
	defer wipe(p2)
	if !bytes.Equal(p1, p2) {
		wipe(p1)
		return nil, usageErr("the two %s differ", what)
	}
	return p1, nil
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
