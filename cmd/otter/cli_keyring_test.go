package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// keyringVault makes a vault with keyring, password and recovery slots.
func keyringVault(t *testing.T) (e *env, pw, key string) {
	needKeyring(t)
	e = newEnv(t)
	pw = e.file("pw", strongPassword)
	key = filepath.Join(e.dir, "recovery.txt")
	e.ok("", "--password-file", pw, "init", "--recovery-key-out", key)
	e.ok("", "add", rfcURI("GitHub", "alice"))
	return e, pw, key
}

func TestKeyringEntryDeletedFallsBack(t *testing.T) {
	e, _, key := keyringVault(t)
	if out, err := exec.Command("secret-tool", "clear", "service", "otter").CombinedOutput(); err != nil {
		t.Skipf("secret-tool (libsecret-tools) is needed to delete the entry: %v %s", err, out)
	}
	r := e.fails(exitUnlock, "", "code", "github")
	if !strings.Contains(r.stderr, "otter: hint: the keyring has no otter entry") {
		t.Fatalf("no fallback hint: %s", r.stderr)
	}
	if out := e.ok("", "--recovery-key-file", key, "code", "github", "--at", "59"); out != "94287082\n" {
		t.Fatalf("recovery key after keyring loss: %q", out)
	}
}

func TestNoSecretServiceFallsBack(t *testing.T) {
	e, pw, key := keyringVault(t)
	e.withoutKeyring()
	r := e.fails(exitUnlock, "", "code", "github")
	if !strings.Contains(r.stderr, "otter: hint: the keyring did not answer") || !strings.Contains(r.stderr, "--password-file") {
		t.Fatalf("no fallback hint: %s", r.stderr)
	}
	e.ok("", "--password-file", pw, "code", "github")
	e.ok("", "--recovery-key-file", key, "code", "github")
}

// TestLockedKeyringFallsBack locks the login collection of a keyring of its
// own (a fresh private session), so the other tests keep theirs unlocked.
func TestLockedKeyringFallsBack(t *testing.T) {
	needKeyring(t)
	if _, err := exec.LookPath("dbus-send"); err != nil {
		t.Skip("dbus-send is needed to lock the keyring")
	}
	dir := t.TempDir()
	script := `set -e
o() { "$OTTER" --test-weak-kdf --vault "$DIR/v" "$@"; }
o init --recovery-key-out "$DIR/key" 2>/dev/null
o add 'otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub' >/dev/null
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
set +e
o code github; echo "exit=$?"
o --recovery-key-file "$DIR/key" code github >/dev/null && echo recovery-ok
`
	root, _ := filepath.Abs("../..")
	cmd := exec.Command(filepath.Join(root, "scripts", "with-keyring.sh"), "bash", "-c", script)
	cmd.Env = append(filterEnv(os.Environ(), "OTTER_KEYRING_SESSION", "DBUS_SESSION_BUS_ADDRESS"), "OTTER="+otterBin, "DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "exit=3") || !strings.Contains(s, "otter: hint: the keyring") || !strings.Contains(s, "recovery-ok") {
		t.Fatalf("locked keyring: want a hint, exit 3 and a working recovery key:\n%s", s)
	}
}

func filterEnv(env []string, drop ...string) []string {
	var out []string
	for _, kv := range env {
		keep := true
		for _, d := range drop {
			if strings.HasPrefix(kv, d+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}
