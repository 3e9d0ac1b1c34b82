package main

import (
	"fmt"
	"strings"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// resolve finds the one live account QUERY names: an id or id
// prefix of at least 6 characters, else a case-insensitive match on
// issuer:account. No match or several are exit 4, listing the candidates.
func resolve(d *vault.Data, query string) (*vault.Account, error) {
	if len(query) >= 6 {
		if acc := byIDPrefix(d, strings.ToLower(query)); acc != nil {
			return acc, nil
		}
	}
	hits := d.Find(query)
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return nil, &userError{code: exitNotFound, msg: fmt.Sprintf("no account matches %q", query),
			hint: "see the accounts with: otter list"}
	}
	var names []string
	for _, h := range hits {
		names = append(names, fmt.Sprintf("%s (id %s)", h.Label(), vaultops.ShortID(h.ID)))
	}
	return nil, &userError{code: exitNotFound, msg: fmt.Sprintf("%q matches %d accounts: %s", query, len(hits), strings.Join(names, ", ")),
		hint: "be more specific (issuer:account) or give the id"}
}

// byIDPrefix returns the one live account whose id starts with prefix, or
// nil when none or several do. It allocates nothing: otter code runs it
// over every account of the vault.
func byIDPrefix(d *vault.Data, prefix string) *vault.Account {
	var hit *vault.Account
	for i := range d.Accounts {
		acc := &d.Accounts[i]
		if acc.Deleted || !strings.HasPrefix(acc.ID, prefix) {
			continue
		}
		if hit != nil {
			return nil
		}
		hit = acc
	}
	return hit
}

// account opens the vault and finds the one live account query names.
func (a *app) account(query string) (*vaultops.Session, *vault.Account, error) {
	s, err := a.session()
	if err != nil {
		return nil, nil, err
	}
	acc, err := resolve(s.Data(), query)
	return s, acc, err
}
