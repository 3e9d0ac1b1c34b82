//go:build !otter_testkdf

package main

import "github.com/spf13/cobra"

// addTestFlags adds nothing to a release build; see testflags_kdf.go.
func addTestFlags(*cobra.Command, *app) {}

// testArgs forwards nothing: a release build has no test flags.
func testArgs(*app) []string { return nil }
