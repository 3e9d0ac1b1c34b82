package vault

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// benchSizes are the vault sizes the benchmarks run at: 10, 1 000 and
// 10 000 accounts, or the comma-separated list in OTTER_BENCH_SIZES
// (bench/scale.sh runs 10 to 100 000).
var benchSizes = sizesFromEnv([]int{10, 1000, 10_000})

func sizesFromEnv(def []int) []int {
	env := os.Getenv("OTTER_BENCH_SIZES")
	if env == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxAccounts {
			panic(fmt.Sprintf("OTTER_BENCH_SIZES: bad size %q", f))
		}
		out = append(out, n)
	}
	return out
}

// benchVault creates a vault holding n accounts.
func benchVault(b *testing.B, n int) (*Vault, creds) {
	b.Helper()
	c := newCreds(b)
	path := filepath.Join(b.TempDir(), "vault.otter")
	v, err := Create(path, testOptions(), c.pw, c.rk)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(v.Close)
	err = v.Update(func(d *Data) error {
		for i := range n {
			d.AddAccount(Account{Issuer: fmt.Sprintf("Issuer %d", i), Name: fmt.Sprintf("user%d@example.com", i),
				Secret: []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}, testNow)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return v, c
}

func BenchmarkOpen(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			v, c := benchVault(b, n)
			b.SetBytes(int64(len(readFile(b, v.Path()))))
			for b.Loop() {
				l, err := Load(v.Path(), nil)
				if err != nil {
					b.Fatal(err)
				}
				u, err := l.Unlock(c.rk)
				if err != nil {
					b.Fatal(err)
				}
				u.Close()
			}
		})
	}
}

func BenchmarkSave(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			v, _ := benchVault(b, n)
			for b.Loop() {
				err := v.Update(func(d *Data) error {
					d.Accounts[0].UseCount++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFind looks up the account in the middle of the vault, as
// `otter code` does.
func BenchmarkFind(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			v, _ := benchVault(b, n)
			d := v.Data()
			q := fmt.Sprintf("issuer %d:user%d", n/2, n/2)
			for b.Loop() {
				if got := d.Find(q); len(got) != 1 {
					b.Fatalf("found %d", len(got))
				}
			}
		})
	}
}

// BenchmarkPasswordDerive is the cost of unlocking a password slot with
// DefaultKDF (the floor of the calibrated cost): one Argon2id derivation.
func BenchmarkPasswordDerive(b *testing.B) {
	salt := make([]byte, 32)
	rand.Read(salt)
	s := &Slot{ID: NewID(nil), Type: SlotPassword, KDF: &DefaultKDF, Salt: salt}
	pw := Password{Secret: []byte("correct horse battery staple")}
	for b.Loop() {
		k, err := pw.Derive("", s)
		if err != nil {
			b.Fatal(err)
		}
		zero(k)
	}
	b.ReportMetric(float64(DefaultKDF.Memory)/1024, "MiB")
	b.ReportMetric(float64(DefaultKDF.Time), "passes")
	b.ReportMetric(float64(DefaultKDF.Threads), "lanes")
}

// benchPayload is the payload of a vault of n accounts, as benchVault makes.
func benchPayload(n int) *payload {
	d := &Data{DeviceID: NewID(nil)}
	for i := range n {
		d.AddAccount(Account{Issuer: fmt.Sprintf("Issuer %d", i), Name: fmt.Sprintf("user%d@example.com", i),
			Secret: []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}, testNow)
	}
	return &payload{Data: d, SlotKeys: map[string][]byte{NewID(nil): make([]byte, keyLen), NewID(nil): make([]byte, keyLen)}}
}

// BenchmarkPayload measures the codec alone, without crypto or I/O.
func BenchmarkPayload(b *testing.B) {
	pl := benchPayload(10_000)
	enc, err := marshalPayload(pl.Data, pl.SlotKeys)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("marshal", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		for b.Loop() {
			out, _ := marshalPayload(pl.Data, pl.SlotKeys)
			zero(out)
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		for b.Loop() {
			if _, err := unmarshalPayload(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
