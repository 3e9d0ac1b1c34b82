package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSaveRecoveryKeyFile: --recovery-key-out writes a new 0600 file and
// never replaces an existing one.
func TestSaveRecoveryKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key.txt")
	a := &app{}
	must(t, a.saveRecoveryKeyFile(path, "ABCD-EFGH"))
	if b, _ := os.ReadFile(path); string(b) != "ABCD-EFGH\n" {
		t.Fatalf("key file = %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if err := a.saveRecoveryKeyFile(path, "WXYZ"); err == nil {
		t.Fatal("an existing key file was replaced")
	}
	if b, _ := os.ReadFile(path); string(b) != "ABCD-EFGH\n" {
		t.Fatalf("key file became %q", b)
	}
}
