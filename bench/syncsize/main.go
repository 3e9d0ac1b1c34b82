// Command syncsize measures what sync history costs on disk: it makes a
// vault of -accounts accounts, attaches it to a new bare remote and syncs
// -syncs times, changing one account (its notes) before each sync, then
// prints the remote's size before and after `git gc`. In process (the
// vault with a weak KDF, internal/syncer as otter sync calls it), so that
// a thousand syncs take a minute or two; git runs as otter runs it.
//
// Usage: syncsize -syncs 1000 -accounts 200 -dir DIR (DIR must not exist)
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/syncer"
	"github.com/otterauth/otter/vault"
)

func main() {
	syncs := flag.Int("syncs", 1000, "syncs to make")
	accounts := flag.Int("accounts", 200, "accounts in the vault")
	dir := flag.String("dir", "", "work folder (made; must not exist)")
	flag.Parse()
	if err := run(*syncs, *accounts, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "syncsize:", err)
		os.Exit(1)
	}
}

func run(syncs, accounts int, dir string) error {
	if dir == "" {
		return fmt.Errorf("-dir is needed")
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	remote := filepath.Join(dir, "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", "-b", "main", remote).CombinedOutput(); err != nil {
		return fmt.Errorf("git init: %v: %s", err, out)
	}
	opts := &vault.Options{AllowWeakKDF: true, DeviceID: "bench0001"}
	rk, _, err := vault.NewRecoveryKey(rand.Reader)
	if err != nil {
		return err
	}
	pw := vault.Password{Secret: []byte("bench password"), KDF: vault.KDFParams{Memory: 8, Time: 1, Threads: 1}}
	v, err := vault.Create(filepath.Join(dir, "vault.otter"), opts, pw, vault.RecoveryKey{Key: rk})
	if err != nil {
		return err
	}
	defer v.Close()
	var ids []string
	err = v.Update(func(d *vault.Data) error {
		for i := 1; i <= accounts; i++ {
			secret := make([]byte, 20)
			rand.Read(secret)
			a := d.AddAccount(vault.Account{Issuer: fmt.Sprintf("Issuer%06d", i), Name: fmt.Sprintf("user%d@example.com", i),
				Secret: secret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}, time.Now())
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ctx := context.Background()
	repo, err := syncer.Attach(ctx, filepath.Join(dir, "sync.git"), remote, v.VaultID())
	if err != nil {
		return err
	}
	s := syncer.New(repo, v, "bench0001", nil)
	start := time.Now()
	for i := range syncs {
		id := ids[i%len(ids)]
		err := v.Update(func(d *vault.Data) error {
			a := d.Account(id)
			now := time.Now()
			a.Notes = fmt.Sprintf("change %d", i)
			a.Updated, a.Stamp = now, d.Tick(now)
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := s.Sync(ctx); err != nil {
			return fmt.Errorf("sync %d: %w", i+1, err)
		}
	}
	took := time.Since(start)
	fileSize := len(v.Raw())
	before, err := size(remote)
	if err != nil {
		return err
	}
	if out, err := exec.Command("git", "--git-dir", remote, "gc", "--quiet").CombinedOutput(); err != nil {
		return fmt.Errorf("git gc: %v: %s", err, out)
	}
	after, err := size(remote)
	if err != nil {
		return err
	}
	objs, _ := exec.Command("git", "--git-dir", remote, "count-objects", "-v").Output()
	fmt.Printf("| vault file | syncs | time per sync (in process) | remote before gc | remote after gc | per sync after gc |\n|---|---|---|---|---|---|\n")
	fmt.Printf("| %d accounts, %.1f KiB | %d | %.0f ms | %.1f MiB | %.1f MiB | %.1f KiB |\n", accounts, float64(fileSize)/1024, syncs,
		float64(took.Milliseconds())/float64(syncs), mib(before), mib(after), float64(after)/1024/float64(syncs))
	fmt.Printf("\n`git count-objects -v` after gc: %s\n", strings.Join(strings.Fields(string(objs)), " "))
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// size adds up the sizes of the files under dir.
func size(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}
