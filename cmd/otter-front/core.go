package main

import (
	"os"
	"path/filepath"
	"runtime"
)

// corePath is otter-core in this program's own folder (symlinks to the
// front resolved): never a lookup in PATH, so what runs is what was
// installed with it.
func corePath() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if s, err := filepath.EvalSymlinks(self); err == nil {
		self = s
	}
	name := coreName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(self), name), nil
}
