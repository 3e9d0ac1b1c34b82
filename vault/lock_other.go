//go:build !unix && !windows

package vault

import "os"

// lockFile is a no-op where the OS offers no advisory lock (wasm, plan9):
// writers in one process are still serialised by Vault's mutex only.
func lockFile(*os.File, bool) error { return nil }

func unlockFile(*os.File) error { return nil }

func syncDir(string) error { return nil }
