package main

import (
	"io"
	"strings"
	"testing"
)

// TestWarmKeyringOnlyWhenAskedFirst checks that open warms the keyring's
// connection exactly when unlock asks the keyring before anything else,
// and never without a session bus.
func TestWarmKeyringOnlyWhenAskedFirst(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/otter-test-bus")
	for _, c := range []struct {
		name string
		set  func(*app)
		want bool
	}{
		{"no flag", func(*app) {}, true},
		{"--password-file", func(a *app) { a.passwordFile = "pw" }, false},
		{"--recovery-key-file", func(a *app) { a.recoveryKeyFile = "key" }, false},
		{"--identity-file", func(a *app) { a.identityFile = "id" }, false},
		{"--pin-file", func(a *app) { a.pinFile = "pin" }, true},
		{"agent --auto keyring", func(a *app) { a.autoBy = byKeyring }, true},
		{"agent --auto files", func(a *app) { a.autoBy, a.passwordFile = byFiles, "pw" }, false},
		{"agent --auto password", func(a *app) { a.autoBy = byPassword }, false},
		{"agent --auto recovery", func(a *app) { a.autoBy = byRecovery }, false},
		{"agent --auto fido2", func(a *app) { a.autoBy = byFIDO2 }, false},
		{"not the OS keyring", func(a *app) { a.store = noKeyring{} }, false},
		{"no session bus", func(*app) { t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") }, false},
	} {
		a := newApp(strings.NewReader(""), io.Discard, io.Discard)
		c.set(a)
		store, cool := a.warmKeyring()
		if warmed := store != a.store; warmed != c.want {
			t.Errorf("%s: warmed %v, want %v", c.name, warmed, c.want)
		}
		cool()
	}
}
