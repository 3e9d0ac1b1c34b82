package harden

import "runtime/debug"

// Process keeps Go from writing more than the crashing goroutine's
// trace; Windows has no core-file limit to set (Windows Error Reporting
// dumps are the system's setting).
func Process() { debug.SetTraceback("single") }
