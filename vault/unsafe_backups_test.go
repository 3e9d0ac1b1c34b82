package vault

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestUnsafeBackupDir: a backups/ folder that is a symbolic link (to a
// folder that must stay empty), a file, or another user's folder makes the
// save fail with ErrUnsafeBackups; the vault file is left as it was and
// nothing is written through the link.
func TestUnsafeBackupDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links and owners are Unix checks")
	}
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, bdir string) (victim string)
	}{
		{"symlink", func(t *testing.T, bdir string) string {
			victim := filepath.Join(t.TempDir(), "someone-elses")
			if err := os.Mkdir(victim, 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(victim, bdir); err != nil {
				t.Fatal(err)
			}
			return victim
		}},
		{"file", func(t *testing.T, bdir string) string {
			writeFile(t, bdir, []byte("not a folder"))
			return ""
		}},
		{"other owner", func(t *testing.T, bdir string) string {
			if os.Geteuid() != 0 {
				t.Skip("giving a folder to another user needs root")
			}
			if err := os.Mkdir(bdir, 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(bdir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			return bdir
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := newVault(t)
			bdir := filepath.Join(filepath.Dir(v.Path()), backupDir)
			os.RemoveAll(bdir)
			victim := tc.plant(t, bdir)
			before := readFile(t, v.Path())
			err := v.Update(func(d *Data) error {
				d.AddAccount(Account{Issuer: "x", Name: "me", Secret: []byte("JBSWY3DPEHPK3PXP"), Type: "totp"}, testNow)
				return nil
			})
			if !errors.Is(err, ErrUnsafeBackups) {
				t.Fatalf("save with an unsafe backups folder: err = %v, want ErrUnsafeBackups", err)
			}
			if string(readFile(t, v.Path())) != string(before) {
				t.Error("the vault file changed although the save failed")
			}
			if victim != "" {
				if ents, _ := os.ReadDir(victim); len(ents) > 0 {
					t.Errorf("written through the backups folder: %s holds %v", victim, ents)
				}
			}
			if got := v.Backups(); len(got) != 0 {
				t.Errorf("Backups lists %v from an unsafe folder", got)
			}
		})
	}
}
