package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/paths"
)

// queryArgs are the commands whose arguments name an account, with how many
// leading arguments do (-1: all of them) and whether a file may follow.
// Shell completion offers the names a running, unlocked agent lists.
var queryArgs = []struct {
	path string
	n    int
	file bool
}{
	{"code", 1, false}, {"edit", 1, false}, {"rm", 1, false}, {"qr", -1, false},
	{"recovery list", 1, false}, {"recovery use", 1, false}, {"recovery add", 1, true},
	{"recovery replace", 1, true}, {"recovery rm", 1, false},
}

// queryFlags are the flags whose value names an account.
var queryFlags = []struct{ path, flag string }{
	{"keys accounts", "add"}, {"keys accounts", "rm"},
}

// addCompletions attaches the account-name completion to the commands and
// flags that take a query. A command missing from the tree is a
// programming error.
func (a *app) addCompletions(root *cobra.Command) {
	find := func(path string) *cobra.Command {
		c, _, err := root.Find(strings.Fields(path))
		if err != nil || c.CommandPath() != root.Name()+" "+path {
			panic(fmt.Sprintf("completion: no command %q", path))
		}
		return c
	}
	for _, q := range queryArgs {
		n, after := q.n, cobra.ShellCompDirectiveNoFileComp
		if q.file {
			after = cobra.ShellCompDirectiveDefault
		}
		find(q.path).ValidArgsFunction = func(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
			if n >= 0 && len(args) >= n {
				return nil, after
			}
			return a.accountNames(prefix), cobra.ShellCompDirectiveNoFileComp
		}
	}
	for _, q := range queryFlags {
		err := find(q.path).RegisterFlagCompletionFunc(q.flag, func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
			return a.accountNames(prefix), cobra.ShellCompDirectiveNoFileComp
		})
		if err != nil {
			panic(fmt.Sprintf("completion: %s --%s: %v", q.path, q.flag, err))
		}
	}
}

// accountNames are the labels a running, unlocked agent of this vault lists
// that start with prefix (any case). It never prompts and never unlocks: no
// agent, a locked one or any error is no names.
func (a *app) accountNames(prefix string) []string {
	c, ok := a.useAgent()
	if !ok {
		return nil
	}
	vaultPath := a.path()
	if vaultPath == "" { // completion runs no pre-run: resolve it here
		var err error
		if vaultPath, err = paths.Vault(); err != nil {
			return nil
		}
	}
	names, err := c.List(vaultPath)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), strings.ToLower(prefix)) {
			out = append(out, n)
		}
	}
	return out
}
