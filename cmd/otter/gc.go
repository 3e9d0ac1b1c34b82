package main

import (
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// shortLivedKey marks, in a command's Annotations, a command that reads the
// vault once, prints and exits. Only such commands run without the garbage
// collector: the TUI (the root command) and the agent live long and keep
// the default.
const shortLivedKey = "otter.short-lived"

// shortLivedHeapLimit is the heap at which a short-lived command's garbage
// collector runs after all: a 10 000-account vault allocates about 8 MiB to
// open, a 100 000-account one about 80 MiB.
const shortLivedHeapLimit = 256 << 20

// shortLived marks cmd as short-lived (see shortLivedKey) and returns it.
func shortLived(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[shortLivedKey] = "1"
	return cmd
}

// tuneGC turns the garbage collector off up to shortLivedHeapLimit when cmd
// is short-lived: a fresh process that decodes a large vault otherwise
// spends milliseconds collecting a heap it is about to drop whole. GOGC or
// GOMEMLIMIT in the environment win. It reports whether it changed anything.
func tuneGC(cmd *cobra.Command) bool {
	if cmd.Annotations[shortLivedKey] == "" || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(shortLivedHeapLimit)
	return true
}
