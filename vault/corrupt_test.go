package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixSum recomputes the trailing checksum of a vault file.
func fixSum(b []byte) []byte {
	b = bytes.Clone(b)
	sum := sha256.Sum256(b[:len(b)-sumLen])
	copy(b[len(b)-sumLen:], sum[:])
	return b
}

// assertCorrupt checks that err is a *CorruptError naming backup.
func assertCorrupt(t *testing.T, what string, err error, backup string) {
	t.Helper()
	var ce *CorruptError
	switch {
	case !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce):
		t.Fatalf("%s: error = %v, want a *CorruptError", what, err)
	case errors.Is(err, ErrWrongCredential):
		t.Fatalf("%s: corruption reported as a wrong credential: %v", what, err)
	case ce.Backup != backup:
		t.Fatalf("%s: Backup = %q, want %q", what, ce.Backup, backup)
	}
}

func TestEveryBitFlipAndTruncationIsCorrupt(t *testing.T) {
	v, c := newVault(t)
	addAccount(t, v, "GitHub") // generation 2; generation 1 is backed up
	path := v.Path()
	good := readFile(t, path)
	backup := filepath.Join(filepath.Dir(path), "backups", "vault.otter.1")
	open(t, backup, c.pw) // the backup CorruptError will name really opens

	// Every damaged file goes through the real Load, over an in-memory file
	// system holding the vault and its backup.
	mem := newMemFS()
	mem.put(backup, readFile(t, backup))
	o := &Options{AllowWeakKDF: true, fs: mem}
	damaged := make([]byte, len(good))
	for bit := 0; bit < len(good)*8; bit++ {
		copy(damaged, good)
		damaged[bit/8] ^= 1 << (bit % 8)
		mem.put(path, damaged)
		_, err := Load(path, o)
		assertCorrupt(t, "bit flip", err, backup)
	}
	for n := 0; n < len(good); n++ {
		mem.put(path, good[:n])
		_, err := Load(path, o)
		assertCorrupt(t, "truncation", err, backup)
	}
	t.Logf("%d bit flips and %d truncations of a %d-byte vault", len(good)*8, len(good), len(good))
}

// The backup a *CorruptError names is the newest one that is itself
// readable: damaged and truncated backups are passed over.
func TestCorruptNamesNewestReadableBackup(t *testing.T) {
	v, c := newVault(t)
	for i := range 4 {
		addAccount(t, v, fmt.Sprint(i)) // generation 5; backups 1 to 4
	}
	dir := filepath.Join(filepath.Dir(v.Path()), "backups")
	b4, b3 := filepath.Join(dir, "vault.otter.4"), filepath.Join(dir, "vault.otter.3")
	flipped := readFile(t, b4)
	flipped[len(flipped)/3] ^= 0x10
	writeFile(t, b4, flipped)
	writeFile(t, b3, readFile(t, b3)[:100])
	b := readFile(t, v.Path())
	writeFile(t, v.Path(), b[:len(b)-1])
	_, err := Load(v.Path(), testOptions())
	want := filepath.Join(dir, "vault.otter.2")
	assertCorrupt(t, "damaged vault and newest backups", err, want)
	if u := open(t, want, c.pw); u.Generation() != 2 {
		t.Errorf("named backup holds generation %d", u.Generation())
	}
}

func TestCorruptWithoutBackup(t *testing.T) {
	v, _ := newVault(t)
	b := readFile(t, v.Path())
	b[len(b)/2] ^= 0x40
	writeFile(t, v.Path(), b)
	_, err := Load(v.Path(), testOptions())
	assertCorrupt(t, "no backup", err, "")
}

func TestNewerVersionIsUnsupportedNotCorrupt(t *testing.T) {
	v, _ := newVault(t)
	b := readFile(t, v.Path())
	binary.BigEndian.PutUint16(b[len(magic):], formatVersion+1)
	writeFile(t, v.Path(), fixSum(b))
	_, err := Load(v.Path(), testOptions())
	if !errors.Is(err, ErrUnsupportedVersion) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("Load = %v, want ErrUnsupportedVersion", err)
	}
}

// rewriteHeader lets edit change the header, then re-encodes the file with
// a valid checksum (the payload no longer matches its associated data).
func rewriteHeader(t *testing.T, b []byte, edit func(h map[string]any)) []byte {
	t.Helper()
	hlen := binary.BigEndian.Uint32(b[len(magic)+2:])
	var h map[string]any
	if err := json.Unmarshal(b[prefixLen:prefixLen+int(hlen)], &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	hj, _ := json.Marshal(h)
	out := append([]byte(nil), b[:len(magic)+2]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(hj)))
	out = append(out, hj...)
	out = append(out, b[prefixLen+int(hlen):]...)
	return fixSum(out)
}

func TestIntactChecksumButBrokenContent(t *testing.T) {
	v, c := newVault(t)
	good := readFile(t, v.Path())
	slot0 := func(h map[string]any) map[string]any { return h["slots"].([]any)[0].(map[string]any) }
	cases := []struct {
		name      string
		file      []byte
		atLoad    bool // the damage is found by Load, not Unlock
		unlocking Credential
	}{
		{"garbage header", rewriteHeader(t, good, func(h map[string]any) { h["slots"] = "x" }), true, c.pw},
		{"17 slots", rewriteHeader(t, good, func(h map[string]any) {
			s := h["slots"].([]any)
			for len(s) < 17 {
				s = append(s, s[0])
			}
			h["slots"] = s
		}), true, c.pw},
		{"generation edited", rewriteHeader(t, good, func(h map[string]any) { h["generation"] = 9 }), false, c.pw},
		{"wrapped DEK edited", rewriteHeader(t, good, func(h map[string]any) {
			slot0(h)["wrapped_dek"] = bytes.Repeat([]byte{1}, wrappedLen)
		}), false, c.pw},
		{"payload edited", func() []byte {
			b := bytes.Clone(good)
			b[len(b)-sumLen-1] ^= 1
			return fixSum(b)
		}(), false, c.rk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, v.Path(), tc.file)
			l, err := Load(v.Path(), testOptions())
			if tc.atLoad {
				assertCorrupt(t, "Load", err, "")
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			_, err = l.Unlock(tc.unlocking)
			assertCorrupt(t, "Unlock", err, "")
		})
	}
}

func TestKDFBoundsAreCheckedBeforeComputing(t *testing.T) {
	c := newCreds(t)
	dir := t.TempDir()
	refused := []KDFParams{
		{Memory: 2 << 20, Time: 3, Threads: 4},    // 2 GiB
		{Memory: 1 << 20, Time: 3, Threads: 255},  // the lanes of issue 11
		{Memory: 64 << 10, Time: 17, Threads: 4},  // passes
		{Memory: 256 << 10, Time: 16, Threads: 4}, // 4 GiB × passes
		{Memory: 18 << 10, Time: 3, Threads: 4},
		{Memory: 64 << 10, Time: 1, Threads: 4},
		{Memory: 64 << 10, Time: 3, Threads: 0},
	}
	for _, k := range refused {
		start := time.Now()
		_, err := Create(filepath.Join(dir, "v.otter"), nil, Password{Secret: []byte("pw"), KDF: k}, c.rk)
		if !errors.Is(err, ErrLimit) {
			t.Errorf("KDF %v: Create = %v, want ErrLimit", k, err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("KDF %v: refusal took %v", k, d)
		}
	}
	// Even with AllowWeakKDF, a file asking for more than the upper bounds
	// is corrupt at unlock, before any derivation.
	for _, k := range refused[:4] {
		v, c := newVault(t)
		b := rewriteHeader(t, readFile(t, v.Path()), func(h map[string]any) {
			h["slots"].([]any)[0].(map[string]any)["kdf"] = k
		})
		writeFile(t, v.Path(), b)
		l, err := Load(v.Path(), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = l.Unlock(c.pw)
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Path != v.Path() || !strings.Contains(ce.Reason, l.Slots()[0].ID) {
			t.Errorf("KDF %v: Unlock = %v, want a *CorruptError naming the slot", k, err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("KDF %v: refusal took %v", k, d)
		}
	}
}

func TestDefaultKDF(t *testing.T) {
	c := newCreds(t)
	path := filepath.Join(t.TempDir(), "vault.otter")
	v, err := Create(path, nil, Password{Secret: []byte("Tr0ub4dor&3xyz")}, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	l, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if k := l.Slots()[0].KDF; k == nil || *k != DefaultKDF {
		t.Fatalf("password slot KDF = %+v, want %+v", k, DefaultKDF)
	}
	u, err := l.Unlock(Password{Secret: []byte("Tr0ub4dor&3xyz")})
	if err != nil {
		t.Fatal(err)
	}
	u.Close()
}

func TestOversizedFileIsRefusedUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.otter")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(maxFileSize + 1) // sparse: costs nothing
	f.Close()
	if _, err := Load(path, nil); !errors.Is(err, ErrLimit) {
		t.Fatalf("Load of a 64 MiB + 1 file = %v, want ErrLimit", err)
	}
}
