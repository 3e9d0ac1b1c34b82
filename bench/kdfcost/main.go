// Command kdfcost derives one password-slot key with the given Argon2id
// cost, in a fresh process as `otter` does at every password unlock, so
// that bench/unlock.sh can time candidate costs against vault.DefaultKDF.
// "kdfcost calibrate" prints the cost vault.CalibrateKDF picks for the
// 0.5 s target (what otter init stores) and how long picking it took.
//
// Usage: kdfcost MEMORY-MIB PASSES [LANES] | kdfcost calibrate
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
	if len(os.Args) == 2 && os.Args[1] == "calibrate" {
		start := time.Now()
		k := vault.CalibrateKDF(500 * time.Millisecond)
		fmt.Printf("%v %d %d %d in %v\n", k, k.Memory/1024, k.Time, k.Threads, time.Since(start).Round(time.Millisecond))
		return
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: kdfcost MEMORY-MIB PASSES [LANES]")
		os.Exit(2)
	}
	m, err1 := strconv.ParseUint(os.Args[1], 10, 32)
	t, err2 := strconv.ParseUint(os.Args[2], 10, 32)
	p := uint64(4)
	var err3 error
	if len(os.Args) > 3 {
		p, err3 = strconv.ParseUint(os.Args[3], 10, 8)
	}
	if err1 != nil || err2 != nil || err3 != nil {
		fmt.Fprintln(os.Stderr, "kdfcost: bad number")
		os.Exit(2)
	}
	k := vault.KDFParams{Memory: uint32(m) * 1024, Time: uint32(t), Threads: uint8(p)}
	salt := make([]byte, 32)
	rand.Read(salt)
	s := &vault.Slot{ID: vault.NewID(nil), Type: vault.SlotPassword, KDF: &k, Salt: salt}
	key, err := vault.Password{Secret: []byte("correct horse battery staple")}.Derive("", s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kdfcost:", err)
		os.Exit(1)
	}
	fmt.Println(len(key))
}
