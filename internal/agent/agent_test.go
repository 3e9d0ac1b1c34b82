//go:build linux || darwin

package agent

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPeerUID(t *testing.T) {
	if err := checkPeerUID(1000, 1000); err != nil {
		t.Errorf("same uid refused: %v", err)
	}
	for _, peer := range []int{0, 1001, -1} {
		if err := checkPeerUID(peer, 1000); err == nil {
			t.Errorf("uid %d accepted by an agent of uid 1000", peer)
		}
	}
	// A real connection reports this process's uid.
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := net.Dial("unix", l.Addr().String())
		if err == nil {
			defer c.Close()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if uid, err := peerUID(c); err != nil || uid != os.Getuid() {
		t.Errorf("peerUID = %d, %v; want %d", uid, err, os.Getuid())
	}
}

func TestFrameLimits(t *testing.T) {
	var b bytes.Buffer
	b.Write([]byte{0xff, 0xff, 0xff, 0xff})
	var r Request
	if err := ReadFrame(&b, &r); !errors.Is(err, ErrProtocol) {
		t.Errorf("huge frame: %v", err)
	}
	b.Reset()
	b.Write([]byte{0, 0, 0, 3})
	b.WriteString("{x}")
	if err := ReadFrame(&b, &r); !errors.Is(err, ErrProtocol) {
		t.Errorf("bad JSON: %v", err)
	}
}
