package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// exportVault is a password vault with one account of each kind and
// recovery codes, one of them used.
func exportVault(t *testing.T) (e *env, pw string) {
	e, pw, _ = passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"),
		"otpauth://totp/Example:bob@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA256&period=60",
		"otpauth://hotp/Bank:carol?secret="+rfcSeedB32+"&counter=5",
		"otpauth://steam/Steam:dave?secret=JRZCL47CMXVOQMNPZR2F7J4RGI")
	e.ok("cbak1, cbak2, cbak3", "--password-file", pw, "recovery", "add", "github", "-", "--yes")
	e.ok("", "--password-file", pw, "recovery", "use", "github")
	// Tags and a pin come from an Aegis export (group and favourite).
	aegis := e.file("tagged.json", `{"version":1,"header":{"slots":null,"params":null},"db":{"version":3,
	 "groups":[{"uuid":"g1","name":"work"}],"entries":[{"type":"totp","name":"erin","issuer":"Mail","note":"n",
	 "favorite":true,"groups":["g1"],"info":{"secret":"JBSWY3DPEHPK3PXQ","algo":"SHA1","digits":6,"period":30}}]}}`)
	e.ok("", "--password-file", pw, "import", "aegis", aegis, "--yes")
	return e, pw
}

// portable is what must survive an export and re-import: list --json
// without ids and dates, codes at fixed times, recovery codes.
func portable(t *testing.T, e *env, pw string) string {
	t.Helper()
	var rows []accountJSON
	if err := json.Unmarshal([]byte(e.ok("", "--password-file", pw, "list", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		r.ID, r.Created = "", time.Time{}
		j, _ := json.Marshal(r)
		b.Write(j)
		b.WriteString("\n")
	}
	if !strings.Contains(b.String(), `"tags":["work"],"pinned":true`) {
		t.Fatalf("the tagged, pinned account is missing:\n%s", b.String())
	}
	for _, q := range []string{"github", "example", "steam", "mail"} {
		b.WriteString(q + " " + e.ok("", "--password-file", pw, "code", q, "--at", "1111111109"))
	}
	b.WriteString(e.ok("", "--password-file", pw, "recovery", "list", "github", "--json"))
	return b.String()
}

func TestExportImportRoundTrip(t *testing.T) {
	src, pw := exportVault(t)
	pass := src.file("backup-pass", "correct horse battery staple\n")
	backup := filepath.Join(src.dir, "backup.age")
	r := src.run("", "--password-file", pw, "export", "--passphrase-file", pass, backup)
	if r.code != 0 || !strings.Contains(r.stderr, supportReminder) || !strings.Contains(r.stdout, "exported 5 accounts") {
		t.Fatalf("export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode: %v %v, want 0600", st.Mode(), err)
	}
	before := readFile(t, backup)
	src.fails(exitUsage, "", "--password-file", pw, "export", "--passphrase-file", pass, backup)
	if string(readFile(t, backup)) != string(before) {
		t.Fatal("a refused export changed the existing file")
	}
	src.ok("", "--password-file", pw, "export", "--passphrase-file", pass, "--force", backup)

	dst, pw2, _ := passwordVault(t)
	out := dst.ok("", "--password-file", pw2, "import", "age", backup, "--passphrase-file", pass, "--yes")
	if !strings.Contains(out, "imported 5 accounts") {
		t.Fatalf("import: %s", out)
	}
	if got, want := portable(t, dst, pw2), portable(t, src, pw); got != want {
		t.Fatalf("after the round trip:\n%s\nwant:\n%s", got, want)
	}
	// The HOTP counter came along: both vaults give the same next code.
	if a, b := src.ok("", "--password-file", pw, "code", "bank"), dst.ok("", "--password-file", pw2, "code", "bank"); a != b {
		t.Fatalf("hotp after import: %q, want %q", b, a)
	}
	// Importing again adds nothing.
	out = dst.ok("", "--password-file", pw2, "import", "auto", backup, "--passphrase-file", pass, "--yes")
	if !strings.Contains(out, "already in the vault") || !strings.Contains(out, "nothing to import") {
		t.Fatalf("second import: %s", out)
	}
	checkAudit(t, src, pw, "export", "age, 5 accounts")
	checkAudit(t, dst, pw2, "import", "age, 5 accounts")
}

// checkAudit reads the vault's audit log directly.
func checkAudit(t *testing.T, e *env, pw, kind, detail string) {
	t.Helper()
	v := e.openVault(strongPassword)
	for _, ev := range v.Data().Audit {
		if strings.Contains(ev.Detail, rfcSeedB32) {
			t.Fatalf("audit event %+v holds a secret", ev)
		}
		if ev.Kind == kind && ev.Detail == detail {
			return
		}
	}
	t.Fatalf("no audit event %s %q in %+v", kind, detail, v.Data().Audit)
}

func TestImportRefusals(t *testing.T) {
	e, pw, _ := passwordVault(t)
	uris := e.file("uris.txt", rfcURI("GitHub", "alice")+"\n")
	r := e.fails(exitUsage, "", "--password-file", pw, "import", "otpauth", uris)
	if !strings.Contains(r.stderr, "--yes") {
		t.Errorf("no TTY, no --yes: %s", r.stderr)
	}
	e.fails(exitUsage, "", "--password-file", pw, "import", "nonsense", uris, "--yes")
	e.fails(exitUsage, "", "--password-file", pw, "import", "otpauth", filepath.Join(e.dir, "missing"), "--yes")
	out := e.ok("", "--password-file", pw, "import", "otpauth", uris, "--dry-run")
	if !strings.Contains(out, "+ GitHub:alice") || !strings.Contains(out, "dry run") {
		t.Errorf("dry run: %s", out)
	}
	if list := e.ok("", "--password-file", pw, "list", "--json"); strings.TrimSpace(list) != "[]" {
		t.Fatalf("a dry run imported: %s", list)
	}

	// An Aegis export with an MD5 entry: nothing imported, unless --skip-invalid.
	aegis := e.file("aegis.json", `{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[
	 {"type":"totp","name":"alice","issuer":"GitHub","info":{"secret":"`+rfcSeedB32+`","algo":"SHA1","digits":6,"period":30}},
	 {"type":"totp","name":"old","issuer":"Legacy","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"MD5","digits":6,"period":30}}]}}`)
	vaultBefore := readFile(t, e.vault)
	r = e.fails(exitError, "", "--password-file", pw, "import", "aegis", aegis, "--yes")
	if !strings.Contains(r.stderr, "Legacy:old") || !strings.Contains(r.stderr, "MD5") || !strings.Contains(r.stderr, "--skip-invalid") {
		t.Errorf("problem report: %s", r.stderr)
	}
	if string(readFile(t, e.vault)) != string(vaultBefore) {
		t.Fatal("a refused import changed the vault")
	}
	out = e.ok("", "--password-file", pw, "import", "aegis", aegis, "--yes", "--skip-invalid")
	if !strings.Contains(out, "imported 1 account") || strings.Contains(out, "1 accounts") {
		t.Errorf("--skip-invalid: %s", out)
	}

	// Damaged, encrypted, wrong passphrase.
	junk := e.file("junk.json", `{"version":1,"header":{"slots":null,"params":null},"db":{"version":1,"entr`)
	if r = e.fails(exitError, "", "--password-file", pw, "import", "aegis", junk, "--yes"); !strings.Contains(r.stderr, "not a valid Aegis export") {
		t.Errorf("truncated: %s", r.stderr)
	}
	newer := e.file("newer.json", `{"version":2,"header":{},"db":{}}`)
	if r = e.fails(exitError, "", "--password-file", pw, "import", "auto", newer, "--yes"); !strings.Contains(r.stderr, "version 2") {
		t.Errorf("newer version: %s", r.stderr)
	}
	pass := e.file("pass", "right\n")
	backup := filepath.Join(e.dir, "b.age")
	e.ok("", "--password-file", pw, "export", "--passphrase-file", pass, backup)
	e.fails(exitUsage, "", "--password-file", pw, "import", "age", backup, "--yes")
	e.fails(exitUnlock, "", "--password-file", pw, "import", "age", backup, "--yes", "--passphrase-file", e.file("wrong", "wrong\n"))
}

func TestExportOtpauthNeedsInsecure(t *testing.T) {
	e, pw := exportVault(t)
	out := filepath.Join(e.dir, "uris.txt")
	r := e.fails(exitUsage, "", "--password-file", pw, "export", "--format", "otpauth", out)
	if !strings.Contains(r.stderr, "--insecure") {
		t.Errorf("refusal: %s", r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("a refused export wrote a file")
	}
	e.ok("", "--password-file", pw, "export", "--format", "otpauth", "--insecure", out)
	lines := strings.Split(strings.TrimSpace(string(readFile(t, out))), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "otpauth://totp/GitHub:alice?secret="+rfcSeedB32) {
		t.Fatalf("uris: %q", lines)
	}
	dst, pw2, _ := passwordVault(t)
	dst.ok("", "--password-file", pw2, "import", "otpauth", out, "--yes")
	if got := dst.ok("", "--password-file", pw2, "code", "github", "--at", "59"); got != "94287082\n" {
		t.Fatalf("code after the otpauth round trip = %q", got)
	}
}

// TestExportToRecipient: the backup opens with the standard age tool, if
// installed, and imports with --identity-file.
func TestExportToRecipient(t *testing.T) {
	e, pw := exportVault(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := e.file("key.txt", id.String()+"\n")
	backup := filepath.Join(e.dir, "backup.age")
	e.ok("", "--password-file", pw, "export", "--recipient", id.Recipient().String(), backup)
	e.fails(exitUsage, "", "--password-file", pw, "export", "--recipient", "age1bogus", filepath.Join(e.dir, "x.age"))

	dst, pw2, _ := passwordVault(t)
	dst.ok("", "--password-file", pw2, "import", "age", backup, "--identity-file", keyFile, "--yes")
	if got, want := portable(t, dst, pw2), portable(t, e, pw); got != want {
		t.Fatalf("after the round trip:\n%s\nwant:\n%s", got, want)
	}

	ageBin, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age command is not installed (Debian package age): skipping the check that it decrypts the backup")
	}
	plain, err := exec.Command(ageBin, "--decrypt", "--identity", keyFile, backup).Output()
	if err != nil {
		t.Fatalf("age --decrypt: %v", err)
	}
	var doc struct {
		Version  int `json:"otter_backup"`
		Accounts []struct {
			URI string `json:"uri"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Version != 1 || len(doc.Accounts) != 5 ||
		!strings.Contains(doc.Accounts[0].URI, "secret="+rfcSeedB32) {
		t.Fatalf("age decrypted %d bytes to %+v (%v)", len(plain), doc, err)
	}
}

// TestImportedEscapesNeverReachTheTerminal: an Aegis export whose group
// sets the clipboard (OSC 52) and recolours the screen, and whose note
// clears it, imports; the preview, list, audit and the TUI's data show the
// text inert, and the vault holds it without control characters.
func TestImportedEscapesNeverReachTheTerminal(t *testing.T) {
	e, pw, _ := passwordVault(t)
	file := filepath.Join("..", "..", "internal", "importers", "testdata", "aegis_hostile.json")
	outs := []result{e.run("", "--password-file", pw, "import", "aegis", file, "--dry-run")}
	e.ok("", "--password-file", pw, "import", "aegis", file, "--yes")
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"audit"}, {"health"}, {"edit", "github", "--issuer", "Git\x1b[31mHub"}, {"list"}} {
		outs = append(outs, e.run("", append([]string{"--password-file", pw}, args...)...))
	}
	for i, r := range outs {
		if strings.ContainsAny(r.stdout+r.stderr, "\x1b\a\u009b") {
			t.Errorf("output %d prints a control character:\nstdout: %q\nstderr: %q", i, r.stdout, r.stderr)
		}
	}
	if !strings.Contains(outs[0].stdout, `TAG\x1b]52;c;ZXZpbA==\x07\x1b[1;31mX`) {
		t.Errorf("the preview does not show the group escaped:\n%s", outs[0].stdout)
	}
	if list := outs[1].stdout; !strings.Contains(list, "TAG]52;c;ZXZpbA==[1;31mX") {
		t.Errorf("the list does not show the cleaned tag:\n%s", list)
	}
}
