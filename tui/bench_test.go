package tui

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/vault"
)

// benchModel is an unlocked root model over n accounts held in memory.
func benchModel(n int) *Model {
	d := &vault.Data{}
	for i := range n {
		secret := sha256.Sum256(fmt.Appendf(nil, "%d", i))
		d.Accounts = append(d.Accounts, vault.Account{
			ID: fmt.Sprintf("%032x", i), Issuer: fmt.Sprintf("Service %05d", i), Name: fmt.Sprintf("user%d@example.com", i),
			Secret: secret[:20], Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30,
			Tags: []string{"tag" + fmt.Sprint(i%7)}, UseCount: i % 13,
		})
	}
	now := func() time.Time { return t0 }
	m := newModel(Config{Now: now}, nil)
	m.sess = &session{data: d, now: now, hotp: map[string]shownCode{}}
	m.phase = phaseOpen
	m.push(newCodesScreen(m.c, m.sess))
	m.resize(120, 40)
	return m
}

// BenchmarkView renders the whole codes screen; its cost must not grow
// with the number of accounts, since only the rows in view are drawn.
func BenchmarkView(b *testing.B) {
	for _, n := range []int{10, 1_000, 10_000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			m := benchModel(n)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkFilterKeystroke is one key typed into the filter over 10 000
// accounts: the fuzzy match of every account, the ranking and the redraw.
func BenchmarkFilterKeystroke(b *testing.B) {
	m := benchModel(10_000)
	m.Update(keyMsg("/"))
	m.Update(keyMsg("s"))
	m.Update(keyMsg("e"))
	b.ReportAllocs()
	for b.Loop() {
		m.Update(keyMsg("r"))
		_ = m.View()
		m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
}
