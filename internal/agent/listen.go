package agent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
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
	// activated: the socket is systemd's (socket activation); Close
	// leaves it in place for the next activation.
	activated bool
}

// Activated reports whether the socket was passed by systemd.
func (l *Listener) Activated() bool { return l.activated }

// Closed is closed once Close is done: the socket is gone and the lock
// released.
func (l *Listener) Closed() <-chan struct{} { return l.closed }

// Close closes the socket, removes it (unless it is systemd's) and
// releases the lock.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		err = l.Listener.Close()
		if !l.activated {
			os.Remove(l.sock)
		}
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

// Activated returns the listening socket systemd passed this process
// (socket activation: LISTEN_PID names this process, LISTEN_FDS is 1, the
// socket is descriptor 3), with the folder's lock taken, or nil and no
// error when nothing was passed. The socket must be dir's agent.sock,
// owned by this user and closed to others, in a private folder — what
// contrib/systemd/otter-agent.socket asks for (ListenStream=%t/otter/
// agent.sock, SocketMode=0600, DirectoryMode=0700); anything else is
// refused, so a unit that points elsewhere fails loudly. The LISTEN_
// variables are removed, so no child sees them.
func Activated(dir string) (*Listener, error) {
	pid, fds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		os.Unsetenv(v)
	}
	if pid == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, nil // nothing passed, or passed to another process
	}
	if !supported {
		return nil, ErrUnsupported
	}
	if fds != "1" {
		return nil, fmt.Errorf("systemd passed %q sockets; the agent takes one: ListenStream=%%t/otter/%s", fds, SocketName)
	}
	f := os.NewFile(3, "systemd's socket")
	nl, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("the socket systemd passed: %w", err)
	}
	sock := filepath.Join(dir, SocketName)
	if got := nl.Addr().String(); nl.Addr().Network() != "unix" || got != sock {
		nl.Close()
		return nil, fmt.Errorf("systemd passed the socket %q; the agent listens on %s: set ListenStream=%%t/otter/%s", got, sock, SocketName)
	}
	fi, err := os.Lstat(sock)
	if err == nil {
		if err = checkDir(dir); err == nil {
			err = checkOwned(sock, fi, false)
		}
	}
	if err != nil {
		nl.Close()
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		nl.Close()
		return nil, err
	}
	return &Listener{Listener: nl, sock: sock, lock: lock, closed: make(chan struct{}), activated: true}, nil
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
