//go:build !unix

package main

import (
	"syscall"

	"github.com/otterauth/otter/internal/agent"
)

// detached needs nothing where no hangup ends a child with its parent.
func detached() *syscall.SysProcAttr { return nil }

// detachAgent is never reached: there is no agent here.
func detachAgent() error { return agent.ErrUnsupported }
