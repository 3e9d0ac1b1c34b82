// Command mkvault fills a vault made by `otter init` with N accounts in one
// transaction, for the scaling benchmarks: `otter add -` checks every new
// account against every existing one, which takes minutes at 100 000.
//
// Usage: mkvault VAULT RECOVERY-KEY-FILE N
//
// Account i (1 ≤ i ≤ N) is "Issuer%06d" / "user%d@example.com", TOTP,
// SHA1, 6 digits, 30 s, with a random 160-bit secret, like bench/code.sh's.
package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/otterauth/otter/vault"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkvault:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: mkvault VAULT RECOVERY-KEY-FILE N")
	}
	n, err := strconv.Atoi(args[2])
	if err != nil || n < 1 {
		return fmt.Errorf("bad account count %q", args[2])
	}
	rk, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	key, err := vault.ParseRecoveryKey(rk)
	if err != nil {
		return err
	}
	l, err := vault.Load(args[0], nil)
	if err != nil {
		return err
	}
	v, err := l.Unlock(vault.RecoveryKey{Key: key})
	if err != nil {
		return err
	}
	defer v.Close()
	now := time.Now()
	return v.Update(func(d *vault.Data) error {
		for i := 1; i <= n; i++ {
			secret := make([]byte, 20)
			rand.Read(secret)
			d.AddAccount(vault.Account{Issuer: fmt.Sprintf("Issuer%06d", i), Name: fmt.Sprintf("user%d@example.com", i),
				Secret: secret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}, now)
		}
		return nil
	})
}
