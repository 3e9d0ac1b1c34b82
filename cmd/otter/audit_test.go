package main

import (
	"encoding/base32"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// auditLog runs `otter audit --json` with the password.
func auditLog(t *testing.T, e *env, pw string, args ...string) []auditJSON {
	t.Helper()
	var out []auditJSON
	must(t, json.Unmarshal([]byte(e.ok("", append([]string{"--password-file", pw, "audit", "--json"}, args...)...)), &out))
	return out
}

// kindsOf is "kind[*]" per event, * marking pending ones.
func kindsOf(events []auditJSON) string {
	var k []string
	for _, e := range events {
		if e.Pending {
			k = append(k, e.Kind+"*")
		} else {
			k = append(k, e.Kind)
		}
	}
	return strings.Join(k, " ")
}

func journalFile(e *env) []string {
	m, _ := filepath.Glob(filepath.Join(e.dir, "state", "otter", "audit-*.jsonl"))
	return m
}

// Unlocks are journalled without writing the vault, then carried into it
// by the next write; failed attempts come in from the lockout record.
func TestAuditUnlocksRideOnTheNextWrite(t *testing.T) {
	e, pw, key := passwordVault(t)
	before := readFile(t, e.vault)
	e.ok("", "--password-file", pw, "list")
	e.ok("", "--recovery-key-file", key, "list")
	if !bytesEqual(before, readFile(t, e.vault)) {
		t.Fatal("a read-only command wrote the vault to record its unlock")
	}
	if got := kindsOf(auditLog(t, e, pw)); got != "unlock* unlock* unlock*" {
		t.Fatalf("audit before any write = %s, want three pending unlocks", got)
	}
	bad := e.file("bad", "Wrong-Password-1")
	e.fails(exitUnlock, "", "--password-file", bad, "list")
	e.fails(exitUnlock, "", "--password-file", bad, "list")
	start := time.Now().Add(-time.Second)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice")) // the write that carries them
	log := auditLog(t, e, pw)
	if got := kindsOf(log); got != "unlock unlock unlock unlock.failed unlock unlock*" {
		t.Fatalf("audit after a write = %s", got)
	}
	if d := log[3].Detail; d != "2 failed unlock attempts before this unlock (password 2)" || log[3].At.Before(start) {
		t.Errorf("failed attempts carried as %q at %v", d, log[3].At)
	}
	if !regexp.MustCompile(`^recovery slot [0-9a-f]{8}$`).MatchString(log[1].Detail) ||
		!regexp.MustCompile(`^password slot [0-9a-f]{8}$`).MatchString(log[0].Detail) {
		t.Errorf("unlock details %q, %q: want the slot type and id", log[0].Detail, log[1].Detail)
	}
	// The journal keeps only what the vault does not hold yet: the
	// unlock of that last `otter audit`.
	j := journalFile(e)
	if len(j) != 1 || strings.Count(string(readFile(t, j[0])), "\n") != 1 {
		t.Fatalf("journal %v after the fold should hold the last unlock only", j)
	}
	if got := kindsOf(auditLog(t, e, pw, "--limit", "2")); got != "unlock* unlock*" {
		t.Errorf("--limit 2 = %s", got)
	}
	e.fails(exitUsage, "", "--password-file", pw, "audit", "--limit", "-1")
	if out := e.ok("", "--password-file", pw, "audit"); !strings.Contains(out, "unlock.failed") || !strings.Contains(out, "(pending)") {
		t.Errorf("audit text:\n%s", out)
	}
}

// Silent keyring unlocks (the hot path of `otter code`) write nothing:
// neither the vault nor the journal.
func TestAuditKeyringUnlocksWriteNothing(t *testing.T) {
	needKeyring(t)
	e := newEnv(t)
	e.ok("", "init")
	before := readFile(t, e.vault)
	for range 3 {
		e.ok("", "list")
	}
	if !bytesEqual(before, readFile(t, e.vault)) || len(journalFile(e)) != 0 {
		t.Fatalf("keyring unlocks wrote the vault or the journal (%v)", journalFile(e))
	}
}

// Every security-relevant action is in the log and no secret is: the
// test greps every event for every secret and code it used.
func TestAuditRecordsActionsNeverSecrets(t *testing.T) {
	e, pw, key := passwordVault(t)
	const seed = "KRUGS4ZANFZSAYJAONSWG4TFOQQGK3TDN5SGKZBB" // a 200-bit TOTP secret
	raw, _ := base32.StdEncoding.DecodeString(seed)
	e.ok("", "--password-file", pw, "add", "otpauth://totp/Bank:carol?secret="+seed+"&issuer=Bank")
	codes := []string{"rc-alpha-1111", "rc-bravo-2222", "rc-charlie-3333"}
	e.ok(strings.Join(codes, "\n"), "--password-file", pw, "recovery", "add", "--yes", "bank")
	r := e.run("", "--password-file", pw, "recovery", "list", "bank")
	wantIn(t, r, supportReminder, codes[0])
	r = e.run("", "--password-file", pw, "recovery", "use", "bank")
	wantIn(t, r, supportReminder, codes[0])
	code := strings.TrimSpace(e.ok("", "--password-file", pw, "code", "bank"))
	newPw := "Another-Strong-Passw0rd"
	e.ok("", "--password-file", pw, "passwd", "--new-password-file", e.file("new", newPw))
	pw = e.file("pw2", newPw+"\n")
	keyOut := filepath.Join(e.dir, "second-key.txt")
	e.ok("", "--password-file", pw, "slot", "add", "recovery", "--recovery-key-out", keyOut)
	passphrase := "export-passphrase-canary-42"
	e.ok("", "--password-file", pw, "export", "--passphrase-file", e.file("pp", passphrase), filepath.Join(e.dir, "backup.age"))

	log := auditLog(t, e, pw, "--limit", "0")
	byKind := map[string][]string{}
	for _, ev := range log {
		byKind[ev.Kind] = append(byKind[ev.Kind], ev.Detail)
	}
	for kind, want := range map[string]string{
		"recovery.reveal": "Bank:carol, 3 codes, 3 unused",
		"recovery.use":    "Bank:carol, 2 left",
		"slot.add":        "password slot",
		"slot.remove":     "password slot",
		"export":          "age, 1 account",
		"unlock":          "password slot",
	} {
		if !strings.Contains(strings.Join(byKind[kind], "|"), want) {
			t.Errorf("no %s event with %q: %v", kind, want, byKind[kind])
		}
	}
	if len(byKind["slot.add"]) != 2 || !strings.Contains(byKind["slot.add"][1], "recovery slot") {
		t.Errorf("slot.add events %v: want the new password and the new recovery key", byKind["slot.add"])
	}
	secrets := append([]string{seed, strings.ToLower(seed), string(raw), code, strongPassword, newPw, passphrase,
		strings.TrimSpace(string(readFile(t, key))), strings.TrimSpace(string(readFile(t, keyOut)))}, codes...)
	text, _ := json.Marshal(log)
	for _, f := range journalFile(e) {
		text = append(text, readFile(t, f)...)
	}
	text = append(text, directAudit(t, e, newPw)...)
	for _, s := range secrets {
		if strings.Contains(string(text), s) {
			t.Errorf("the audit log holds the secret %q", s)
		}
	}
}

// directAudit decrypts the vault in the test and returns its audit events.
func directAudit(t *testing.T, e *env, pw string) []byte {
	t.Helper()
	v := e.openVault(pw)
	b, _ := json.Marshal(v.Data().Audit)
	return b
}
