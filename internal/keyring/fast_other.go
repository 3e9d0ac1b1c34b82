//go:build !linux

package keyring

import (
	"errors"
	"time"
)

var errSlowPath = errors.New("keyring: use the general path")

// warm is empty here: go-keyring's own calls have nothing to warm.
type warm struct{}

func startWarm(time.Duration) *warm { return nil }

func (*warm) close() {}

func fastGet(*warm, string) ([]byte, error) { return nil, errSlowPath }

// NoSession reports whether there is certainly no keyring session to ask:
// never on this system.
func NoSession() bool { return false }
