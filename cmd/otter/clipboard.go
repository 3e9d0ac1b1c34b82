package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/clipboard"
)

const defaultClipboardClear = 20 * time.Second

// copyToClipboard copies value and leaves a small child process behind that
// clears the clipboard after the configured delay if it still holds value.
// The child learns only the value's SHA-256, through a pipe.
func (a *app) copyToClipboard(value string) error {
	b := clipboard.Detect(os.Getenv, clipboard.TTY())
	if err := b.Copy([]byte(value)); err != nil {
		return &userError{code: exitError, msg: "cannot copy: " + err.Error(), err: err,
			hint: "install wl-clipboard (Wayland) or xclip (X11), or use a terminal with OSC 52"}
	}
	after := defaultClipboardClear
	if a.v != nil && a.v.Data().Settings.ClipboardClear > 0 {
		after = a.v.Data().Settings.ClipboardClear
	}
	fmt.Fprintf(a.stderr, "copied — clears in %s\n", after.Round(time.Second))
	return spawnClearer(after, sha256.Sum256([]byte(value)))
}

func spawnClearer(after time.Duration, sum [32]byte) error {
	self, err := os.Executable()
	if err != nil {
		return nil // copying worked; clearing is best effort
	}
	cmd := exec.Command(self, "__clipboard-clear", "--after", after.String())
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil
	}
	if err := cmd.Start(); err != nil {
		return nil
	}
	w.Write(sum[:])
	w.Close()
	return cmd.Process.Release()
}

func (a *app) clipboardClearCmd() *cobra.Command {
	var after time.Duration
	cmd := &cobra.Command{
		Use:    "__clipboard-clear",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var sum [32]byte
			if _, err := io.ReadFull(a.stdin, sum[:]); err != nil {
				return err
			}
			return clipboard.Detect(os.Getenv, clipboard.TTY()).ClearAfter(after, sum)
		},
	}
	cmd.Flags().DurationVar(&after, "after", defaultClipboardClear, "")
	return cmd
}
