package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// RFC 6238 Appendix B: SHA1 seed "12345678901234567890", 8 digits.
const rfcSeedB32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func rfcURI(issuer, account string) string {
	return fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&digits=8", issuer, account, rfcSeedB32, issuer)
}

func TestInitWithoutTTYUsesKeyringAndRecovery(t *testing.T) {
	needKeyring(t)
	e := newEnv(t)
	r := e.run("", "init")
	if r.code != 0 {
		t.Fatalf("init: exit %d: %s", r.code, r.stderr)
	}
	if !regexp.MustCompile(`^([0-9A-Z]{4}-){7}[0-9A-Z]{4}\n$`).MatchString(r.stdout) {
		t.Fatalf("init printed %q, want the recovery key alone on stdout", r.stdout)
	}
	var slots []slotJSON
	if err := json.Unmarshal([]byte(e.ok("", "slot", "list", "--json")), &slots); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, s := range slots {
		types[s.Type] = true
	}
	if len(slots) != 2 || !types["keyring"] || !types["recovery"] {
		t.Fatalf("slots after init = %+v, want keyring + recovery", slots)
	}
	// The keyring unlocks silently: no password anywhere.
	e.ok("", "add", rfcURI("GitHub", "alice"))
	if got := e.ok("", "code", "github", "--at", "59"); got != "94287082\n" {
		t.Fatalf("code at 59 = %q, want the RFC 6238 value 94287082", got)
	}
	// The recovery key printed once opens the vault too.
	key := e.file("key", r.stdout)
	if got := e.withoutKeyring().ok("", "--recovery-key-file", key, "code", "github", "--at", "1111111109"); got != "07081804\n" {
		t.Fatalf("code at 1111111109 = %q, want 07081804", got)
	}
}

func TestInitNoKeyringNeedsPassword(t *testing.T) {
	e := newEnv(t)
	r := e.fails(exitUsage, "", "init", "--no-keyring")
	if !strings.Contains(r.stderr, "password") {
		t.Fatalf("stderr should say a password is needed: %s", r.stderr)
	}
	if _, err := os.Stat(e.vault); !os.IsNotExist(err) {
		t.Fatalf("a vault was created anyway: %v", err)
	}
	e.withoutKeyring().fails(exitError, "", "init")
}

func TestInitRefusesWeakPassword(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	for pw, rule := range map[string]string{"short1A": "10", "alllowercase1": "uppercase", "Password123": "common"} {
		r := e.fails(exitUsage, "", "--password-file", e.file("pw", pw), "init", "--no-keyring")
		if !strings.Contains(r.stderr, rule) {
			t.Errorf("password %q: refusal %q does not name the rule (%s)", pw, r.stderr, rule)
		}
	}
}

func TestAddListCode(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"),
		"otpauth://totp/Example:bob@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example")
	e.ok("otpauth://hotp/Bank:carol?secret="+rfcSeedB32+"&counter=0\n", "--password-file", pw, "add", "-")
	var rows []accountJSON
	out := e.ok("", "--password-file", pw, "list", "--json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Contains(out, rfcSeedB32) || strings.Contains(out, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("list --json = %s: want 3 accounts and no secrets", out)
	}
	table := e.ok("", "--password-file", pw, "list")
	for _, want := range []string{"GitHub", "alice", "Example", "bob@example.com", "Bank", "hotp"} {
		if !strings.Contains(table, want) {
			t.Errorf("list lacks %q:\n%s", want, table)
		}
	}
	// RFC 6238 Appendix B (SHA1 rows), through the whole CLI.
	for at, want := range map[string]string{"59": "94287082", "1111111109": "07081804", "2009-02-13T23:31:30Z": "89005924", "20000000000": "65353130"} {
		if got := e.ok("", "--password-file", pw, "code", "GitHub", "--at", at); got != want+"\n" {
			t.Errorf("code --at %s = %q, want %s", at, got, want)
		}
	}
	// RFC 4226 Appendix D: the counter is persisted, so codes advance.
	for _, want := range []string{"755224", "287082", "359152"} {
		if got := e.ok("", "--password-file", pw, "code", "bank"); got != want+"\n" {
			t.Fatalf("hotp code = %q, want %s", got, want)
		}
	}
	var j codeJSON
	if err := json.Unmarshal([]byte(e.ok("", "--password-file", pw, "code", "github:alice", "--json", "--at", "59")), &j); err != nil {
		t.Fatal(err)
	}
	if j.Code != "94287082" || j.Remaining != 1 || j.Issuer != "GitHub" {
		t.Fatalf("code --json = %+v", j)
	}
}

func TestQueryAmbiguousAndMissing(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"), rfcURI("GitHub", "work"))
	r := e.fails(exitNotFound, "", "--password-file", pw, "code", "github")
	if !strings.Contains(r.stderr, "GitHub:alice") || !strings.Contains(r.stderr, "GitHub:work") {
		t.Fatalf("ambiguous query should list both matches: %s", r.stderr)
	}
	e.fails(exitNotFound, "", "--password-file", pw, "code", "gitlab")
	e.ok("", "--password-file", pw, "code", "github:work")
	e.ok("", "--password-file", pw, "rm", "--yes", "github:work")
	e.ok("", "--password-file", pw, "code", "github")
}

func TestMalformedURIsAddNothing(t *testing.T) {
	e, pw, _ := passwordVault(t)
	before := readFile(t, e.vault)
	cases := map[string]string{
		"otpauth://totp/A:b?secret=":                                                "secret",
		"otpauth://totp/A:b?secret=not*base32!":                                     "secret",
		"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=0":                       "digits",
		"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=-1":                      "digits",
		"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=11":                      "digits",
		"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period=0":                       "period",
		"otpauth://hotp/A:b?secret=JBSWY3DPEHPK3PXP":                                "counter",
		"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=MD5":                  "algorithm",
		"otpauth://totp/" + strings.Repeat("a", 1<<20) + "?secret=JBSWY3DPEHPK3PXP": "too long",
		"otpauth://totp/A\xff:b?secret=JBSWY3DPEHPK3PXP":                            "label",
		"not a uri": "not an otpauth URI",
	}
	for uri, field := range cases {
		// The good URI first: one bad URI must add nothing at all.
		args := []string{"--password-file", pw, "add", rfcURI("Good", "one"), uri}
		if len(uri) > 100000 {
			args = []string{"--password-file", pw, "add", rfcURI("Good", "one"), "-"}
		}
		stdin := ""
		if len(uri) > 100000 {
			stdin = uri + "\n"
		}
		r := e.fails(exitError, stdin, args...)
		if !strings.Contains(r.stderr, field) {
			t.Errorf("add %.40q: %q does not name %q", uri, r.stderr, field)
		}
	}
	if !bytesEqual(before, readFile(t, e.vault)) {
		t.Fatal("the vault file changed although every add failed")
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

func TestWrongPasswordLeavesVaultUntouched(t *testing.T) {
	e, pw, key := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	before := readFile(t, e.vault)
	r := e.fails(exitUnlock, "", "--password-file", e.file("bad", "Wrong-Password-1"), "list")
	if !strings.Contains(r.stderr, "wrong password") || strings.Contains(strings.ToLower(r.stderr), "corrupt") {
		t.Fatalf("wrong password message: %q", r.stderr)
	}
	r = e.fails(exitUnlock, "", "--recovery-key-file", e.file("badkey", strings.Repeat("ABCD-", 7)+"ABCD"), "list")
	if !strings.Contains(r.stderr, "wrong recovery key") {
		t.Fatalf("wrong recovery key message: %q", r.stderr)
	}
	if !bytesEqual(before, readFile(t, e.vault)) {
		t.Fatal("a failed unlock changed the vault file")
	}
	e.ok("", "--recovery-key-file", key, "code", "github")
}

func TestCorruptVaultIsExit6WithBackupHint(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	e.ok("", "--password-file", pw, "add", rfcURI("GitLab", "alice"))
	good := readFile(t, e.vault)
	damage := map[string][]byte{
		"bit flip in the payload":  flip(good, len(good)-40),
		"bit flip in the header":   flip(good, 20),
		"bit flip in the checksum": flip(good, len(good)-1),
		"truncated":                good[:len(good)/2],
		"empty":                    {},
	}
	for name, b := range damage {
		if err := os.WriteFile(e.vault, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.fails(exitCorrupt, "", "--password-file", pw, "list")
		if !strings.Contains(r.stderr, "corrupt") || !strings.Contains(r.stderr, "backups") {
			t.Errorf("%s: stderr %q should say corrupt and name a backup", name, r.stderr)
		}
	}
	// The hint's backup really opens: copied back, it is refused as older
	// than the generation seen until it is restored as the newest.
	r := e.run("", "--password-file", pw, "list")
	m := regexp.MustCompile(`newest readable backup is (\S+);.* && otter backup restore (\d+)`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no backup and restore named in %q", r.stderr)
	}
	if err := os.WriteFile(e.vault, readFile(t, m[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	e.fails(exitCorrupt, "", "--password-file", pw, "list")
	e.ok("", "--password-file", pw, "backup", "restore", m[2])
	if out := e.ok("", "--password-file", pw, "list"); !strings.Contains(out, "GitHub") {
		t.Fatalf("restored backup lacks the account: %s", out)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x10
	return c
}

func TestConcurrentAddsLoseNothing(t *testing.T) {
	e, pw, _ := passwordVault(t)
	var wg sync.WaitGroup
	errs := make(chan string, 2)
	for p := 0; p < 2; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				r := e.run("", "--password-file", pw, "add", rfcURI(fmt.Sprintf("P%d", p), fmt.Sprintf("acct%d", i)))
				if r.code != 0 {
					errs <- r.stderr
					return
				}
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
	var rows []accountJSON
	if err := json.Unmarshal([]byte(e.ok("", "--password-file", pw, "list", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 50 {
		t.Fatalf("%d accounts after 2×25 concurrent adds, want 50", len(rows))
	}
}

func TestRecoveryCodes(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	codes := "1. aaaa-1111\n2. bbbb-2222\n3. cccc-3333, dddd-4444 eeee-5555\n"
	if out := e.ok(codes, "--password-file", pw, "recovery", "add", "github", "-", "--yes"); !strings.Contains(out, "added 5") {
		t.Fatalf("recovery add: %s", out)
	}
	if out := e.ok("aaaa-1111\n", "--password-file", pw, "recovery", "add", "--yes", "github"); !strings.Contains(out, "added 0") {
		t.Fatalf("a duplicate code was added again: %s", out)
	}
	for i, want := range []string{"aaaa-1111", "bbbb-2222", "cccc-3333", "dddd-4444", "eeee-5555"} {
		r := e.run("", "--password-file", pw, "recovery", "use", "github")
		if r.code != 0 || r.stdout != want+"\n" {
			t.Fatalf("use #%d = %q (exit %d), want %s", i+1, r.stdout, r.code, want)
		}
		if left := 4 - i; left <= 2 && !strings.Contains(r.stderr, "left") && !strings.Contains(r.stderr, "last") {
			t.Errorf("no low-codes warning with %d left: %s", left, r.stderr)
		}
	}
	e.fails(exitNotFound, "", "--password-file", pw, "recovery", "use", "github")
	list := e.ok("", "--password-file", pw, "recovery", "list", "github")
	if strings.Count(list, "used ") != 5 {
		t.Fatalf("recovery list should show 5 used codes:\n%s", list)
	}
}

func TestSlotsAndPasswd(t *testing.T) {
	e, pw, key := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	var slots []slotJSON
	json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots)
	if len(slots) != 2 {
		t.Fatalf("slots = %+v", slots)
	}
	// Removing one of two slots is refused.
	r := e.fails(exitError, "", "--password-file", pw, "slot", "rm", "--yes", slots[0].ID)
	if !strings.Contains(r.stderr, "two") {
		t.Fatalf("refusal should explain the two-slot rule: %s", r.stderr)
	}
	newPW := e.file("newpw", "Another-Strong-Pass-7")
	e.ok("", "--password-file", pw, "passwd", "--new-password-file", newPW)
	e.fails(exitUnlock, "", "--password-file", pw, "list")
	e.ok("", "--password-file", newPW, "code", "github")
	// A second recovery key; the first still works, and removing it stops it.
	newKey := filepath.Join(e.dir, "key2")
	e.ok("", "--password-file", newPW, "slot", "add", "recovery", "--recovery-key-out", newKey)
	e.ok("", "--recovery-key-file", newKey, "code", "github")
	var slots2 []slotJSON
	json.Unmarshal([]byte(e.ok("", "--recovery-key-file", key, "slot", "list", "--json")), &slots2)
	var current string
	for _, s := range slots2 {
		if s.Current {
			current = s.ID
		}
	}
	e.ok("", "--password-file", newPW, "slot", "rm", "--yes", current)
	e.fails(exitUnlock, "", "--recovery-key-file", key, "list")
	e.ok("", "--recovery-key-file", newKey, "code", "github")
}

func TestLockoutAfterTenWrongPasswords(t *testing.T) {
	e, pw, key := passwordVault(t)
	bad := e.file("bad", "Wrong-Password-1")
	for i := 1; i <= 10; i++ {
		r := e.fails(exitUnlock, "", "--password-file", bad, "list")
		if i == 10 && !strings.Contains(r.stderr, "refused until") {
			t.Fatalf("the 10th failure should announce the lock: %s", r.stderr)
		}
	}
	// Locked: even the right password and the recovery key are refused, fast.
	r := e.fails(exitLockedOut, "", "--password-file", pw, "list")
	if !regexp.MustCompile(`locked until \d\d:\d\d`).MatchString(r.stderr) {
		t.Fatalf("lockout message: %s", r.stderr)
	}
	e.fails(exitLockedOut, "", "--recovery-key-file", key, "list")
	// A corrupt vault never counts as a failed attempt.
	e2, pw2, _ := passwordVault(t)
	good := readFile(t, e2.vault)
	os.WriteFile(e2.vault, flip(good, 30), 0o600)
	for i := 0; i < 12; i++ {
		e2.fails(exitCorrupt, "", "--password-file", pw2, "list")
	}
	os.WriteFile(e2.vault, good, 0o600)
	if r := e2.run("", "--password-file", pw2, "list"); r.code != 0 || strings.Contains(r.stderr, "failed unlock") {
		t.Fatalf("after corrupt-file errors: exit %d, %s", r.code, r.stderr)
	}
}

func TestFailedAttemptsReportedAfterUnlock(t *testing.T) {
	e, pw, _ := passwordVault(t)
	bad := e.file("bad", "Wrong-Password-1")
	for i := 0; i < 3; i++ {
		e.fails(exitUnlock, "", "--password-file", bad, "list")
	}
	r := e.run("", "--password-file", pw, "list")
	if r.code != 0 || !strings.Contains(r.stderr, "3 failed unlock attempts since your last unlock") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r := e.run("", "--password-file", pw, "list"); strings.Contains(r.stderr, "failed") {
		t.Fatalf("the report repeats: %s", r.stderr)
	}
}

func TestUsageErrorsAreExit2(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	for _, args := range [][]string{{"frobnicate"}, {"code"}, {"code", "a", "b"}, {"list", "--no-such-flag"}, {"code", "x", "--at", "yesterday"}} {
		e.fails(exitUsage, "", args...)
	}
	// A wrong number of arguments says what the command expects.
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"code"}, []string{"otter: error: otter code needs QUERY", "otter: hint: usage: otter code QUERY"}},
		{[]string{"code", "a", "b"}, []string{`otter code takes QUERY, got 2 arguments: "a b"`}},
		{[]string{"list", "x"}, []string{`otter list takes no arguments, got "x"`}},
	} {
		r := e.fails(exitUsage, "", c.args...)
		wantIn(t, r, c.want...)
		if strings.Contains(r.stderr, "arg(s)") {
			t.Errorf("otter %v: cobra's wording: %s", c.args, r.stderr)
		}
	}
}

func TestRmIsAudited(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	e.ok("", "--password-file", pw, "rm", "--yes", "github")
	out := e.ok("", "--password-file", pw, "audit")
	if !strings.Contains(out, "account.delete") || !strings.Contains(out, "GitHub:alice") {
		t.Fatalf("otter audit does not show the removal:\n%s", out)
	}
}
