//go:build !otter_testkdf

package syncer

import "testing"

// TestNoKillPointWithoutTestTag: a build without -tags otter_testkdf (a
// release build) has no kill point, whatever OTTER_TEST_SYNC_KILL says:
// testhook_kdf.go, which reads it, is not compiled.
func TestNoKillPointWithoutTestTag(t *testing.T) {
	if testHook != nil {
		t.Fatal("testHook is set in a build without the otter_testkdf tag")
	}
}
