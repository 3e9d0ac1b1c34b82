package tui

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/vault"
)

// fakeFIDO stands in for the hardware-key credential of a later issue.
type fakeFIDO struct{}

func (fakeFIDO) SlotType() vault.SlotType { return vault.SlotFIDO2 }
func (fakeFIDO) Enrol(string, *vault.Slot) ([]byte, error) {
	return bytes.Repeat([]byte{9}, 32), nil
}
func (fakeFIDO) Derive(string, *vault.Slot) ([]byte, error) {
	return bytes.Repeat([]byte{9}, 32), nil
}

func TestFIDOSeam(t *testing.T) {
	h := newHarness(t, 80, 24)
	key, _, _ := vault.NewRecoveryKey(nil)
	v, err := vault.Create(h.cfg.VaultPath, h.cfg.Options, vault.RecoveryKey{Key: key}, fakeFIDO{})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	touched := false
	h.m.cfg.FIDO = func(ctx context.Context) (vault.Credential, error) {
		touched = true
		return fakeFIDO{}, ctx.Err()
	}
	h.m.c.listKeys = func() ([]fido.DeviceInfo, error) {
		return []fido.DeviceInfo{{Path: "/dev/hidraw9", Product: "Fake"}}, nil
	}
	h.start()
	h.see("Unlock with your security key: press enter, then touch it.", "tab recovery key")
	h.press("enter")
	h.see("Codes (0)")
	if !touched {
		t.Fatal("the FIDO seam was not used")
	}
}

// TestProgramNoColor runs the model in a real Bubble Tea program with the
// colour profile Run picks under NO_COLOR: the output has no colours, and
// ctrl+c ends the program.
func TestProgramNoColor(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	m := newModel(h.cfg, h.clip)
	in, feed := io.Pipe()
	var out bytes.Buffer
	var opened atomic.Bool
	seen := func(_ tea.Model, msg tea.Msg) tea.Msg {
		if _, ok := msg.(openedMsg); ok {
			opened.Store(true)
		}
		return msg
	}
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(&out), tea.WithWindowSize(80, 24),
		tea.WithColorProfile(colorprofile.Ascii), tea.WithoutSignals(), tea.WithFilter(seen))
	go func() {
		deadline := time.Now().Add(5 * time.Second)
		for !opened.Load() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		feed.Write([]byte{3}) // ctrl+c
	}()
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		p.Kill()
		t.Fatal("ctrl+c did not end the program")
	}
	s := out.String()
	if !strings.Contains(s, "GitHub") {
		t.Fatalf("the program never drew the codes list:\n%q", s)
	}
	if c := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)[0-9;]*m`).FindString(s); c != "" {
		t.Fatalf("colour sequence %q under NO_COLOR", c)
	}
}
