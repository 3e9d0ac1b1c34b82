package agent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// Listener is the agent's socket in its folder, with the folder's lock
// held: one agent per folder. Close removes the socket, then releases the
// lock.
type Listener struct {
	net.Listener
	sock   string
	lock   *os.File
	once   sync.Once
	closed chan struct{} // closed once Close is done
}

// Closed is closed once Close is done: the socket is gone and the lock
// released.
func (l *Listener) Closed() <-chan struct{} { return l.closed }

// Close closes the socket, removes it and releases the lock.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		err = l.Listener.Close()
		os.Remove(l.sock)
		l.lock.Close()
		close(l.closed)
	})
	return err
}

// Listen makes dir (a private folder of this user), takes its lock and
// listens on its socket (0600). Another agent holding the lock is
// ErrRunning; a socket left behind by a dead agent is replaced.
func Listen(dir string) (*Listener, error) {
	if !supported {
		return nil, ErrUnsupported
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	f, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, SocketName)
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		f.Close()
		return nil, fmt.Errorf("failed to remove the old socket: %w", err)
	}
	nl, err := net.Listen("unix", sock)
	if err == nil {
		err = os.Chmod(sock, 0o600)
	}
	if err != nil {
		if nl != nil {
			nl.Close()
		}
		f.Close()
		return nil, fmt.Errorf("failed to listen on %s: %w", sock, err)
	}
	return &Listener{Listener: nl, sock: sock, lock: f, closed: make(chan struct{})}, nil
}

// prepareDir creates dir 0700 if needed and checks that it is a private
// folder of this user.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("failed to create the agent's folder: %w", err)
	}
	return checkDir(dir)
}

// checkPeerUID accepts a peer only if it runs as this process's user.
func checkPeerUID(peer, self int) error {
	if peer != self {
		return fmt.Errorf("refusing a connection from uid %d (the agent runs as uid %d)", peer, self)
	}
	return nil
}

// CheckPeer checks the uid of c's peer: only this process's user passes.
func (l *Listener) CheckPeer(c net.Conn) error {
	uid, err := peerUID(c)
	if err != nil {
		return err
	}
	return checkPeerUID(uid, os.Getuid())
}
