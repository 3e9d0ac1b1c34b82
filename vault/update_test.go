package vault

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestUpdateSavesNextGeneration(t *testing.T) {
	v, c := newVault(t)
	if v.Generation() != 1 {
		t.Fatalf("new vault has generation %d", v.Generation())
	}
	addAccount(t, v, "GitHub")
	addAccount(t, v, "GitLab")
	if v.Generation() != 3 {
		t.Errorf("generation %d after two updates, want 3", v.Generation())
	}
	u := open(t, v.Path(), c.rk)
	if u.Generation() != 3 || !slices.Equal(issuers(u.Data()), []string{"GitHub", "GitLab"}) {
		t.Errorf("reopened: generation %d, accounts %v", u.Generation(), issuers(u.Data()))
	}
}

func TestUpdateErrorWritesNothing(t *testing.T) {
	v, _ := newVault(t)
	addAccount(t, v, "GitHub")
	before := readFile(t, v.Path())
	oldData := v.Data()
	errStop := errors.New("user cancelled")
	err := v.Update(func(d *Data) error {
		d.Accounts[0].Issuer = "changed"
		d.Accounts[0].Secret[0] = 'X'
		d.AddAccount(Account{Issuer: "new"}, testNow)
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update = %v, want fn's error", err)
	}
	if !bytes.Equal(before, readFile(t, v.Path())) {
		t.Error("failed Update changed the file")
	}
	a := v.Data().Accounts
	if v.Data() != oldData || len(a) != 1 || a[0].Issuer != "GitHub" || a[0].Secret[0] != 'J' {
		t.Errorf("failed Update changed the data in memory: %v", a)
	}
	if v.Generation() != 2 {
		t.Errorf("generation %d, want 2", v.Generation())
	}
}

func TestUpdateRefusesBreakingSyncRules(t *testing.T) {
	v, _ := newVault(t)
	var id string
	err := v.Update(func(d *Data) error {
		a := d.AddAccount(Account{Issuer: "Bank", Type: "hotp", Counter: 5}, testNow)
		id = a.ID
		d.AddRecoveryCodes(id, []string{"one", "two"}, testNow)
		d.UseRecoveryCode(id, testNow)
		d.AddAccount(Account{Issuer: "Gone"}, testNow)
		d.DeleteAccount(d.Find("Gone")[0].ID, testNow)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(d *Data){
		"counter back":  func(d *Data) { d.Account(id).Counter = 4 },
		"code unused":   func(d *Data) { d.RecoveryFor(id).Codes[0].UsedAt = time.Time{} },
		"code dropped":  func(d *Data) { d.RecoveryFor(id).Codes = d.RecoveryFor(id).Codes[1:] },
		"revived":       func(d *Data) { d.Accounts[1].Deleted = false },
		"secret limit":  func(d *Data) { d.Account(id).Secret = make([]byte, 4096) },
		"issuer limit":  func(d *Data) { d.Account(id).Issuer = string(make([]byte, 1000)) },
		"too many tags": func(d *Data) { d.Account(id).Tags = make([]string, 100) },
	}
	for name, change := range bad {
		err := v.Update(func(d *Data) error { change(d); return nil })
		if err == nil {
			t.Errorf("%s: Update accepted the change", name)
		}
	}
	if v.Generation() != 2 {
		t.Errorf("refused updates moved the generation to %d", v.Generation())
	}
}

func TestTwoHandlesInOneProcessLoseNothing(t *testing.T) {
	v, c := newVault(t)
	w := open(t, v.Path(), c.rk)
	for i := range 5 {
		addAccount(t, v, fmt.Sprintf("v%d", i))
		addAccount(t, w, fmt.Sprintf("w%d", i))
	}
	final := open(t, v.Path(), c.pw)
	if got := len(final.Data().Live()); got != 10 || final.Generation() != 11 {
		t.Errorf("%d accounts at generation %d, want 10 at 11: %v", got, final.Generation(), issuers(final.Data()))
	}
}

func TestRefreshSeesOtherWriters(t *testing.T) {
	v, c := newVault(t)
	w := open(t, v.Path(), c.rk)
	if changed, err := w.Refresh(); changed || err != nil {
		t.Fatalf("Refresh of an unchanged file = %v, %v", changed, err)
	}
	old := w.Data()
	addAccount(t, v, "GitHub")
	if changed, err := w.Refresh(); !changed || err != nil {
		t.Fatalf("Refresh after another write = %v, %v", changed, err)
	}
	if !slices.Equal(issuers(w.Data()), []string{"GitHub"}) || w.Generation() != 2 {
		t.Errorf("after Refresh: %v at generation %d", issuers(w.Data()), w.Generation())
	}
	if len(old.Accounts) != 0 {
		t.Error("Refresh changed the snapshot returned earlier")
	}
}

func TestBackupsKeepNewestFive(t *testing.T) {
	v, c := newVault(t)
	v.o.backups, v.o.days = 5, 0 // Options.Backups: 5
	for i := range 8 {
		addAccount(t, v, fmt.Sprint(i))
	}
	dir := filepath.Join(filepath.Dir(v.Path()), "backups")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"vault.otter.4", "vault.otter.5", "vault.otter.6", "vault.otter.7", "vault.otter.8"}
	if !slices.Equal(names, want) {
		t.Fatalf("backups = %v, want %v", names, want)
	}
	b := open(t, filepath.Join(dir, "vault.otter.8"), c.pw)
	if b.Generation() != 8 || len(b.Data().Live()) != 7 {
		t.Errorf("newest backup: generation %d with %d accounts", b.Generation(), len(b.Data().Live()))
	}
}

func TestStrayTempFiles(t *testing.T) {
	v, _ := newVault(t)
	dir := filepath.Dir(v.Path())
	stray := filepath.Join(dir, ".vault.otter.tmp-0123456789abcdef")
	writeFile(t, stray, []byte("half a vault"))

	// Another writer holds the lock: the file may be its save in flight.
	st := newStore(v.Path(), &v.o)
	unlock, err := st.lock(true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(v.Path(), testOptions()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Fatal("Load removed a temporary file while a writer held the lock")
	}
	unlock()

	if _, err := Load(v.Path(), testOptions()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Error("Load left a stray temporary file with no writer around")
	}
	addAccount(t, v, "x") // creates backups/
	writeFile(t, filepath.Join(dir, "backups", ".vault.otter.tmp-00"), nil)
	writeFile(t, stray, nil)
	addAccount(t, v, "y")
	if st.hasTemps(dir) || st.hasTemps(filepath.Join(dir, "backups")) {
		t.Error("Update left stray temporary files")
	}
}

func TestClosedVault(t *testing.T) {
	v, _ := newVault(t)
	addAccount(t, v, "GitHub")
	d := v.Data()
	v.Close()
	if v.Data() != nil || !bytes.Equal(d.Accounts[0].Secret, make([]byte, 16)) {
		t.Error("Close left data or secrets behind")
	}
	if err := v.Update(func(*Data) error { return nil }); err == nil {
		t.Error("Update of a closed vault succeeded")
	}
}

func TestRestoredBackupKeepsNewerBackups(t *testing.T) {
	v, c := newVault(t)
	for i := range 4 {
		addAccount(t, v, fmt.Sprint(i))
	}
	dir := filepath.Join(filepath.Dir(v.Path()), "backups")
	newest := readFile(t, filepath.Join(dir, "vault.otter.4"))
	writeFile(t, v.Path(), readFile(t, filepath.Join(dir, "vault.otter.2"))) // the user restores
	u := open(t, v.Path(), c.rk)
	addAccount(t, u, "after restore")
	if u.Generation() != 5 || len(u.Data().Live()) != 2 { // newest backup + 1
		t.Errorf("after restore: generation %d, %d accounts; want 5 and 2", u.Generation(), len(u.Data().Live()))
	}
	if !bytes.Equal(newest, readFile(t, filepath.Join(dir, "vault.otter.4"))) {
		t.Error("saving a restored vault overwrote a newer backup")
	}
}

func TestConcurrentUseOfOneHandle(t *testing.T) {
	v, c := newVault(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5 {
				addAccount(t, v, fmt.Sprintf("%d-%d", g, i))
				_ = len(v.Data().Live())
				v.Refresh()
			}
		})
	}
	wg.Wait()
	if n := len(open(t, v.Path(), c.pw).Data().Live()); n != 20 {
		t.Errorf("%d accounts, want 20", n)
	}
}

// Refresh reads only the file's last bytes (its checksum) when they are
// the ones it holds, and the whole file otherwise: a file that changed,
// one cut short, one corrupted at its end, one gone or an older copy put
// back are all still seen.
func TestRefreshReadsTheTailFirst(t *testing.T) {
	v, c := newVault(t)
	w := open(t, v.Path(), c.rk)
	if _, ok := w.st.o.fs.(tailReader); !ok {
		t.Fatal("the real file system cannot read a tail")
	}
	if !w.st.sameTail(w.sum[:]) {
		t.Fatal("an unchanged file's tail differs from the checksum held")
	}
	oldBytes := readFile(t, v.Path())
	addAccount(t, v, "GitHub")
	if w.st.sameTail(w.sum[:]) {
		t.Fatal("the tail did not change with the file")
	}
	if changed, err := w.Refresh(); !changed || err != nil {
		t.Fatalf("Refresh after another write = %v, %v", changed, err)
	}
	cur := readFile(t, v.Path())

	// An older copy put back: refused, and the Vault keeps what it holds.
	if err := os.WriteFile(v.Path(), oldBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	var rb *RollbackError
	if _, err := w.Refresh(); !errors.As(err, &rb) {
		t.Errorf("Refresh of an older copy = %v, want a RollbackError", err)
	}
	// The end corrupted, then cut short, then gone.
	bad := slices.Clone(cur)
	bad[len(bad)-1] ^= 1
	os.WriteFile(v.Path(), bad, 0o600)
	if _, err := w.Refresh(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Refresh of a corrupt end = %v, want ErrCorrupt", err)
	}
	os.WriteFile(v.Path(), cur[:10], 0o600)
	if _, err := w.Refresh(); err == nil {
		t.Error("Refresh of a file cut short: no error")
	}
	os.Remove(v.Path())
	if _, err := w.Refresh(); !errors.Is(err, ErrNotExist) {
		t.Errorf("Refresh of a removed file = %v, want ErrNotExist", err)
	}
	// Back as it was: unchanged.
	os.WriteFile(v.Path(), cur, 0o600)
	if changed, err := w.Refresh(); changed || err != nil {
		t.Errorf("Refresh of the same file put back = %v, %v", changed, err)
	}
}
