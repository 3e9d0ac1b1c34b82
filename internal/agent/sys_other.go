//go:build !linux && !darwin

package agent

import (
	"net"
	"os"
)

// supported: no peer check here, so no agent.
const supported = false

// checkDir refuses: without a peer check there is no agent here.
func checkDir(string) error { return ErrUnsupported }

func checkOwned(string, os.FileInfo, bool) error { return ErrUnsupported }

func lockDir(string) (*os.File, error) { return nil, ErrUnsupported }

func peerUID(net.Conn) (int, error) { return -1, ErrUnsupported }
