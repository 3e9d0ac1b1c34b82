package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteNew: an export never replaces a file that appeared after the
// check, unless --force, and leaves no temporary file beside it.
func TestWriteNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "backup.age")
	must(t, os.WriteFile(path, []byte("someone else's"), 0o600))
	var ue *userError
	if err := writeNew(path, []byte("export"), false); !errors.As(err, &ue) || ue.code != exitUsage {
		t.Fatalf("writeNew over an existing file: %v, want a usage error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "someone else's" {
		t.Fatalf("the existing file became %q", b)
	}
	must(t, writeNew(path, []byte("export"), true))
	if b, _ := os.ReadFile(path); string(b) != "export" {
		t.Fatalf("with overwrite the file is %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left %d files, want 1", len(ents))
	}
}
