package journal

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/vault"
)

// appendRaw appends lines to the journal file as an attacker would.
func appendRaw(t *testing.T, j *Journal, lines ...[]byte) {
	t.Helper()
	f, err := os.OpenFile(j.Path(), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	must(t, err)
	defer f.Close()
	for _, l := range lines {
		_, err := f.Write(append(l, '\n'))
		must(t, err)
	}
}

func rawLine(t *testing.T, e vault.AuditEvent, mac []byte) []byte {
	t.Helper()
	b, err := json.Marshal(line{e, hex.EncodeToString(mac)})
	must(t, err)
	return b
}

func ids(events []vault.AuditEvent) string {
	var out []string
	for _, e := range events {
		out = append(out, e.Detail)
	}
	return strings.Join(out, ",")
}

// TestForgedLinesAreDropped: lines that look right but whose MAC is
// missing, wrong, under another key or for another vault, and lines of a
// kind other than an unlock even with a valid MAC, are never read; the
// next Pending removes them from the file, and the real events survive.
func TestForgedLinesAreDropped(t *testing.T) {
	dir := t.TempDir()
	j := testJournal(dir, testVault)
	must(t, j.Append([]vault.AuditEvent{event(1, "real1")}))
	other := open(dir, strings.Repeat("cd", 16), bytes.Repeat([]byte{9}, 32)) // same key, other vault
	stranger := open(dir, testVault, bytes.Repeat([]byte{8}, 32))             // this vault, other key
	forged := event(2, "forged")
	deleted := vault.AuditEvent{ID: vault.NewID(nil), At: time.Unix(3, 0), Kind: "account.delete", Detail: "forged kind"}
	noMAC, err := json.Marshal(forged)
	must(t, err)
	appendRaw(t, j,
		noMAC,
		rawLine(t, forged, make([]byte, 32)),
		rawLine(t, forged, stranger.mac(forged)),
		rawLine(t, forged, other.mac(forged)),
		rawLine(t, deleted, j.mac(deleted)),
		[]byte(`{"id":"x","at":"2026-01-01T00:00:00Z","kind":"unlock","mac":"zz"}`),
		[]byte("{not json"),
	)
	must(t, j.Append([]vault.AuditEvent{event(4, "real2")}))
	got, err := j.Read()
	must(t, err)
	if ids(got) != "real1,real2" {
		t.Fatalf("read %s, want real1,real2", ids(got))
	}
	pending, err := j.Pending(&vault.Data{})
	must(t, err)
	if ids(pending) != "real1,real2" {
		t.Fatalf("pending %s, want real1,real2", ids(pending))
	}
	b, err := os.ReadFile(j.Path())
	must(t, err)
	if n := bytes.Count(b, []byte("\n")); n != 2 || bytes.Contains(b, []byte("forged")) {
		t.Fatalf("Pending left the forged lines in the journal:\n%s", b)
	}
	if err := j.Append([]vault.AuditEvent{deleted}); err == nil {
		t.Fatal("the journal accepted an account.delete event")
	}
}

// TestForgedFloodIsDropped: 10 000 forged lines (the audit log's size)
// before a real unlock are never read, and the journal's trimming keeps
// the real event rather than the forged ones. (real1, now more than
// maxSize from the end, is beyond the read bound: whoever can write the
// file can hide or delete its lines, never add one; see the package doc.)
func TestForgedFloodIsDropped(t *testing.T) {
	j := testJournal(t.TempDir(), testVault)
	must(t, j.Append([]vault.AuditEvent{event(1, "real1")}))
	var flood [][]byte
	for i := range 10000 {
		e := event(2+i, "forged")
		flood = append(flood, rawLine(t, e, make([]byte, 32)))
	}
	appendRaw(t, j, flood...)
	must(t, j.Append([]vault.AuditEvent{event(20000, "real2")}))
	got, err := j.Read()
	must(t, err)
	if ids(got) != "real2" {
		t.Fatalf("read %s after the flood, want the real events", ids(got))
	}
	info, err := os.Stat(j.Path())
	must(t, err)
	if info.Size() > 1000 {
		t.Fatalf("the trimmed journal still holds %d bytes of forged lines", info.Size())
	}
}

// TestReadIsBounded: of a journal larger than maxSize, or of more than
// maxLines lines, only the newest are read.
func TestReadIsBounded(t *testing.T) {
	j := testJournal(t.TempDir(), testVault)
	var all []vault.AuditEvent
	for i := range maxLines + 500 {
		all = append(all, event(i, ""))
	}
	b, err := j.encode(all)
	must(t, err)
	must(t, os.WriteFile(j.Path(), b, 0o600))
	if len(b) <= maxSize {
		t.Fatalf("the test journal is only %d bytes", len(b))
	}
	got, err := j.Read()
	must(t, err)
	if len(got) == 0 || len(got) > maxLines || got[len(got)-1].ID != all[len(all)-1].ID {
		t.Fatalf("read %d events of %d, the newest %v", len(got), len(all), got[len(got)-1].At)
	}
	if want := maxSize / (len(b) / len(all)); len(got) < want-2 || len(got) > want+2 {
		t.Fatalf("read %d events from %d bytes, want about %d (maxSize worth)", len(got), len(b), want)
	}
	small := make([]byte, 0, 2*maxLines)
	for range maxLines + 100 {
		small = append(small, "{}\n"...)
	}
	small = append(small, b[:bytes.IndexByte(b, '\n')+1]...)
	must(t, os.WriteFile(j.Path(), small, 0o600))
	_, dropped, err := j.read()
	must(t, err)
	if dropped != maxLines+100 {
		t.Fatalf("dropped %d lines, want %d (%d parsed at most)", dropped, maxLines+100, maxLines)
	}
}

// FuzzDecode: no line makes decode panic, and an event it accepts is an
// unlock event that encodes back to a line it accepts again.
func FuzzDecode(f *testing.F) {
	j := testJournal(f.TempDir(), testVault)
	b, err := j.encode([]vault.AuditEvent{event(1, "seed \xff"), {ID: "x", Kind: "unlock.failed"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		f.Add(l)
	}
	f.Add([]byte(`{"id":"x","at":"2026-01-01T00:00:00Z","kind":"account.delete","mac":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok := j.decode(b)
		if !ok {
			return
		}
		if !unlockKinds[e.Kind] {
			t.Fatalf("accepted a %q event", e.Kind)
		}
		again, err := j.encode([]vault.AuditEvent{e})
		if err != nil {
			t.Fatal(err)
		}
		if e2, ok := j.decode(bytes.TrimSuffix(again, []byte("\n"))); !ok || e2.ID != e.ID || !e2.At.Equal(e.At) || e2.Detail != e.Detail {
			t.Fatalf("re-encoded %+v reads back as %+v, %v", e, e2, ok)
		}
	})
}
