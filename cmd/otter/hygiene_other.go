//go:build !linux

package main

import "runtime/debug"

// hardenProcess keeps Go from writing core files on a crash where the OS
// offers no finer control.
func hardenProcess() { debug.SetTraceback("single") }
