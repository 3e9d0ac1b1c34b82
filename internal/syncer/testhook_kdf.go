//go:build otter_testkdf && unix

package syncer

import (
	"os"
	"syscall"
)

// Test builds only (-tags otter_testkdf, as the CLI tests build otter):
// OTTER_TEST_SYNC_KILL=<step> (one of the Step constants) makes the
// process kill itself with SIGKILL when a sync reaches that step, so that
// the crash tests see what a power cut there leaves behind. Release
// builds do not compile this file: testHook stays nil.
func init() {
	step := os.Getenv("OTTER_TEST_SYNC_KILL")
	if step == "" {
		return
	}
	testHook = func(s string) {
		if s == step {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
}
