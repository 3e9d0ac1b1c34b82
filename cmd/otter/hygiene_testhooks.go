//go:build otter_testkdf

package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/spf13/cobra"
)

// testHookCmds are hidden commands of test builds only (-tags
// otter_testkdf) that let the hygiene tests look at an unlocked otter from
// outside: __test-crash unlocks, says "unlocked", waits for a line on stdin
// and crashes the way a bug would (abort: an unrecovered panic; segv: a
// SIGSEGV), with GOTRACEBACK=crash so that the runtime asks the kernel for
// a core dump; __test-hold unlocks and computes every code, says
// "unlocked", waits for a line, locks (closes the vault), says "locked" and
// waits for another line.
func testHookCmds(a *app) []*cobra.Command {
	crash := &cobra.Command{Use: "__test-crash abort|segv", Hidden: true, Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if _, err := a.open(); err != nil {
				return err
			}
			a.waitLine("unlocked")
			debug.SetTraceback("crash")
			if args[0] == "segv" {
				p, _ := os.FindProcess(os.Getpid())
				p.Signal(syscall.SIGSEGV)
				select {}
			}
			panic("otter test crash while unlocked")
		}}
	hold := &cobra.Command{Use: "__test-hold", Hidden: true, Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v, err := a.open()
			if err != nil {
				return err
			}
			for _, acc := range v.Data().Live() {
				_ = vaultops.KeyOf(acc).Code(a.now())
			}
			a.waitLine("unlocked")
			a.close()
			runtime.GC()
			a.waitLine("locked")
			return nil
		}}
	return []*cobra.Command{crash, hold}
}

var hookIn *bufio.Reader

// waitLine says what on stdout, then waits for a line on stdin.
func (a *app) waitLine(what string) {
	fmt.Fprintln(a.stdout, what)
	if hookIn == nil {
		hookIn = bufio.NewReader(a.stdin)
	}
	hookIn.ReadString('\n')
}
