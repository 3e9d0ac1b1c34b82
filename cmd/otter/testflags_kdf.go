//go:build otter_testkdf

package main

import (
	"github.com/spf13/cobra"

	"github.com/otterauth/otter/vault"
)

// addTestFlags gives binaries built with -tags otter_testkdf (the CLI tests
// build one) a hidden --test-weak-kdf flag: new password slots then use a
// tiny Argon2id cost so that hundreds of unlocks stay fast. Release builds
// have no such flag.
func addTestFlags(root *cobra.Command, a *app) {
	var weak bool
	root.PersistentFlags().BoolVar(&weak, "test-weak-kdf", false, "")
	_ = root.PersistentFlags().MarkHidden("test-weak-kdf")
	root.PersistentFlags().DurationVar(&a.clipClear, "test-clipboard-clear", 0, "")
	_ = root.PersistentFlags().MarkHidden("test-clipboard-clear")
	root.AddCommand(testHookCmds(a)...)
	prev := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if weak {
			a.vaultOpts.AllowWeakKDF = true
			a.kdf = vault.KDFParams{Memory: 256, Time: 1, Threads: 1}
		}
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
}

// testArgs are the test flags a child otter (the agent start's) gets.
func testArgs(a *app) []string {
	if a.vaultOpts.AllowWeakKDF {
		return []string{"--test-weak-kdf"}
	}
	return nil
}
