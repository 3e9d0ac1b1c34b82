//go:build linux || darwin

package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A record is written 0600 in a private folder, taken once (the second
// take finds none), cut when long, cleared by ClearStartFailure; a folder
// others can write is refused, and anything but a small regular file is
// no record.
func TestStartFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run") // made by the record
	at := time.Date(2026, 12, 4, 14, 2, 0, 0, time.UTC)
	if f, err := TakeStartFailure(dir); f != nil || err != nil {
		t.Fatalf("no folder yet: %v, %v", f, err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(RecordStartFailure(dir, StartFailure{At: at, Step: "unlock", Reason: "wrong password"}))
	fi, err := os.Lstat(filepath.Join(dir, startFailureName))
	must(err)
	if fi.Mode() != 0o600 {
		t.Errorf("record mode %v, want 0600", fi.Mode())
	}
	f, err := TakeStartFailure(dir)
	must(err)
	if f == nil || !f.At.Equal(at) || f.Step != "unlock" || f.Reason != "wrong password" {
		t.Fatalf("taken: %+v", f)
	}
	if f, err := TakeStartFailure(dir); f != nil || err != nil {
		t.Errorf("taken twice: %+v, %v", f, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left in the folder: %v", ents)
	}

	must(RecordStartFailure(dir, StartFailure{At: at, Step: "listen", Reason: strings.Repeat("é", 400)}))
	f, err = TakeStartFailure(dir)
	must(err)
	if r := strings.TrimSuffix(f.Reason, "…"); len(r) > maxReason || !strings.HasPrefix(strings.Repeat("é", 400), r) {
		t.Errorf("a long reason is kept as %d bytes: %q", len(f.Reason), f.Reason)
	}

	must(RecordStartFailure(dir, StartFailure{At: at, Step: "unlock", Reason: "x"}))
	ClearStartFailure(dir)
	if f, err := TakeStartFailure(dir); f != nil || err != nil {
		t.Errorf("after clear: %+v, %v", f, err)
	}

	must(os.Mkdir(filepath.Join(dir, startFailureName), 0o700))
	if f, err := TakeStartFailure(dir); f != nil || err == nil {
		t.Errorf("a folder as the record: %+v, %v", f, err)
	}
	must(os.WriteFile(filepath.Join(dir, startFailureName), []byte(strings.Repeat(" ", maxStartFailure+1)), 0o600))
	if f, err := TakeStartFailure(dir); f != nil || err == nil {
		t.Errorf("an oversized record: %+v, %v", f, err)
	}

	must(os.Chmod(dir, 0o755))
	if _, err := TakeStartFailure(dir); err == nil {
		t.Error("a record in a folder others can read was taken")
	}
}
