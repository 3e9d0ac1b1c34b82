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

// copyToClipboard copies value and leaves a small detached process behind
// that clears the clipboard after the configured delay if it still holds
// value. The child learns only the value's SHA-256, through a pipe. Without
// any clipboard it warns and reports false: the caller prints the code.
func (a *app) copyToClipboard(value string) bool {
	tty := clipboard.TTY()
	b := clipboard.Detect(os.Getenv, tty)
	if err := b.Copy([]byte(value)); err != nil {
		a.warn("cannot copy: %v: the code is printed only", err)
		fmt.Fprintln(a.stderr, "otter: hint: install wl-clipboard (Wayland) or xclip (X11), or use a terminal with OSC 52")
		return false
	}
	after := a.clipboardClear()
	if !spawnClearer(after, sha256.Sum256([]byte(value)), b.Name == "osc52", tty) {
		a.warn("copied, but it will not be cleared: clear the clipboard yourself")
		return true
	}
	fmt.Fprintf(a.stderr, "copied — clears in %s\n", after.Round(time.Second))
	return true
}

func (a *app) clipboardClear() time.Duration {
	if a.clipClear > 0 {
		return a.clipClear
	}
	if a.v != nil && a.v.Data().Settings.ClipboardClear > 0 {
		return a.v.Data().Settings.ClipboardClear
	}
	return defaultClipboardClear
}

// spawnClearer starts `otter __clipboard-clear` in a session of its own, so
// that the hangup of otter's terminal session does not end it. Such a
// process has no controlling terminal: for OSC 52 it inherits the terminal
// as file descriptor 3.
func spawnClearer(after time.Duration, sum [32]byte, osc52 bool, tty io.Writer) bool {
	self, err := os.Executable()
	if err != nil {
		return false
	}
	cmd := exec.Command(self, "__clipboard-clear", "--after", after.String())
	cmd.SysProcAttr = detached()
	if f, ok := tty.(*os.File); ok && osc52 {
		cmd.Args = append(cmd.Args, "--tty-fd3")
		cmd.ExtraFiles = []*os.File{f}
	}
	w, err := cmd.StdinPipe()
	if err != nil {
		return false
	}
	if err := cmd.Start(); err != nil {
		return false
	}
	w.Write(sum[:])
	w.Close()
	cmd.Process.Release()
	return true
}

func (a *app) clipboardClearCmd() *cobra.Command {
	var after time.Duration
	var fd3 bool
	cmd := &cobra.Command{
		Use:    "__clipboard-clear",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var sum [32]byte
			if _, err := io.ReadFull(a.stdin, sum[:]); err != nil {
				return err
			}
			tty := clipboard.TTY()
			if fd3 {
				tty = os.NewFile(3, "tty")
			}
			return clipboard.Detect(os.Getenv, tty).ClearAfter(after, sum)
		},
	}
	cmd.Flags().DurationVar(&after, "after", defaultClipboardClear, "")
	cmd.Flags().BoolVar(&fd3, "tty-fd3", false, "")
	return cmd
}
