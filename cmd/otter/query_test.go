package main

import (
	"testing"

	"github.com/otterauth/otter/vault"
)

// TestResolveIDPrefix checks the id-prefix rule of otter code QUERY: a
// unique prefix of a live account wins, in any case; a prefix two live
// accounts share, or one only a deleted account has, falls through to the
// issuer:account match.
func TestResolveIDPrefix(t *testing.T) {
	d := &vault.Data{Accounts: []vault.Account{
		{ID: "abcdef01", Issuer: "GitHub", Name: "ann"},
		{ID: "abcdef02", Issuer: "GitLab", Name: "bob"},
		{ID: "fedcba99", Issuer: "Example", Name: "cat"},
		{ID: "0123456a", Issuer: "Gone", Name: "dan", Deleted: true},
	}}
	for _, tc := range []struct {
		query, want string // want: the id found, "" for exit 4
	}{
		{"abcdef01", "abcdef01"},
		{"ABCDEF02", "abcdef02"},
		{"fedcba", "fedcba99"},
		{"abcdef", ""},  // two live accounts share it, and no name matches
		{"0123456", ""}, // only a deleted account has it
		{"gitlab:bob", "abcdef02"},
		{"example", "fedcba99"},
	} {
		acc, err := resolve(d, tc.query)
		got := ""
		if err == nil {
			got = acc.ID
		}
		if got != tc.want {
			t.Errorf("resolve(%q) = %q, %v; want %q", tc.query, got, err, tc.want)
		}
	}
}
