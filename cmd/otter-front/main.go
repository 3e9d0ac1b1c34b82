// Command otter-front is installed as `otter`: a small program without
// cgo, the vault or the faces that answers the one command people run
// most, `otter code QUERY` for a time-based account, from a running,
// unlocked agent, and hands everything else to the full otter
// (`otter-core`, installed beside it) by exec, with the same arguments,
// streams and environment.
//
// It adds no behaviour of its own: it prints the code the agent sends,
// exactly as the full otter prints it, and on anything else — another
// command, a flag, no agent, a locked one, an HOTP account, an error of
// any kind — it execs otter-core, which words every error and exit code.
// So the full otter alone is a complete otter; the front only starts
// faster (BENCHMARKS.md §4.8).
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/harden"
	"github.com/otterauth/otter/internal/paths"
)

// coreName is the full otter's file name beside the front.
const coreName = "otter-core"

func main() {
	harden.Process()
	args := os.Args[1:]
	if code, ok := fastCode(args); ok {
		if _, err := fmt.Fprintln(os.Stdout, code); err != nil {
			fmt.Fprintf(os.Stderr, "otter: error: %v\n", err) // as otter code words it (exit 1)
			os.Exit(1)
		}
		return
	}
	err := runCore(args)
	// Only reached when otter-core could not be run.
	fmt.Fprintf(os.Stderr, "otter: error: %v\notter: hint: reinstall otter: %s belongs beside the otter program\n", err, coreName)
	os.Exit(1)
}

// fastCode asks the agent for `otter code QUERY`: exactly those two
// arguments, QUERY no flag, OTTER_NO_AGENT unset, and an unlocked agent
// serving this vault that answers with a time-based code. Anything else
// is not ok, and otter-core runs the command from the start.
func fastCode(args []string) (string, bool) {
	if len(args) != 2 || args[0] != "code" || args[1] == "" || strings.HasPrefix(args[1], "-") || os.Getenv("OTTER_NO_AGENT") != "" {
		return "", false
	}
	vaultPath, err := paths.Vault()
	if err != nil {
		return "", false
	}
	if _, err := paths.State(); err != nil {
		return "", false // otter-core refuses to run without it (no home): so must the front
	}
	dir, err := paths.Runtime()
	if err != nil {
		return "", false
	}
	c, err := agent.Client{Dir: dir}.TimedCode(vaultPath, args[1])
	if err != nil {
		return "", false
	}
	return c.Code, true
}
