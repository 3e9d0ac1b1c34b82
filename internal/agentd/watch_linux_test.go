package agentd

import (
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// A save by another process is read at once, before any request asks.
func TestReloadsWhenTheFileIsReplaced(t *testing.T) {
	reloaded := make(chan struct{}, 8)
	f := newFixture(t, func(c *Config) { c.OnReload = func() { reloaded <- struct{}{} } })
	if _, err := f.client.Code(f.path, "github"); err != nil { // the watch is set once Serve runs
		t.Fatal(err)
	}
	s := vaultops.New(f.reopen(), "", f.clock)
	if _, err := s.Add([]vaultops.NewAccount{{Account: vault.Account{Issuer: "Later", Name: "ann", Secret: []byte("0123456789abcdefghij"), Type: "totp"}}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reloaded:
	case <-time.After(5 * time.Second):
		t.Fatal("the agent did not re-read the vault another process saved")
	}
	if _, err := f.client.Code(f.path, "later"); err != nil {
		t.Errorf("the account another process added: %v", err)
	}
}

func TestNamesFile(t *testing.T) {
	event := func(name string, pad int) []byte {
		b := make([]byte, unix.SizeofInotifyEvent+len(name)+pad)
		binary.NativeEndian.PutUint32(b[12:16], uint32(len(name)+pad))
		copy(b[unix.SizeofInotifyEvent:], name)
		return b
	}
	two := append(event(".vault.otter.tmp-1", 2), event("vault.otter", 5)...)
	for _, tc := range []struct {
		b    []byte
		want bool
	}{
		{event("vault.otter", 5), true},
		{event("vault.otter.bak", 1), false},
		{two, true},
		{two[:len(two)-3], false}, // the second record cut short
		{event("vault.otte", 0), false},
		{nil, false},
		{[]byte{1, 2, 3}, false},
	} {
		if got := namesFile(tc.b, "vault.otter"); got != tc.want {
			t.Errorf("namesFile(%q) = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func FuzzNamesFile(f *testing.F) {
	f.Add([]byte("0123456789abcdef\x05\x00\x00\x00x"), "x")
	f.Fuzz(func(t *testing.T, b []byte, name string) { namesFile(b, name) })
}
