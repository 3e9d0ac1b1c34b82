package main

import "github.com/spf13/cobra"

// runTUI starts the full-screen interface (otter with no arguments).
func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	if !a.interactive() {
		return cmd.Help()
	}
	return &userError{code: exitError, msg: "the TUI is not built yet", hint: "see otter --help for the CLI"}
}
