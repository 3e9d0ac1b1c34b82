//go:build linux || darwin

package agent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// supported: this system can check a peer's uid.
const supported = true

// checkDir checks that dir is a folder (not a symlink) owned by this user
// and closed to everyone else.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	return checkOwned(dir, fi, true)
}

// checkOwned checks fi (of path, from Lstat): owned by this user, a
// folder with mode 0700 (dir) or a socket closed to others.
func checkOwned(path string, fi os.FileInfo, dir bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !ok:
		return fmt.Errorf("%w: %s: no owner", ErrUnsafeDir, path)
	case int(st.Uid) != os.Getuid():
		return fmt.Errorf("%w: %s belongs to uid %d", ErrUnsafeDir, path, st.Uid)
	case dir && !fi.IsDir():
		return fmt.Errorf("%w: %s is not a folder", ErrUnsafeDir, path)
	case dir && fi.Mode().Perm() != 0o700:
		return fmt.Errorf("%w: %s has mode %04o, want 0700", ErrUnsafeDir, path, fi.Mode().Perm())
	case !dir && fi.Mode().Type() != os.ModeSocket:
		return fmt.Errorf("%w: %s is not a socket", ErrUnsafeDir, path)
	case !dir && fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%w: %s has mode %04o", ErrUnsafeDir, path, fi.Mode().Perm())
	}
	return nil
}

// lockDir takes the folder's lock, waiting up to a second for an agent
// that is stopping to let it go; ErrRunning after that.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to open the agent's lock: %w", err)
	}
	deadline := time.Now().Add(time.Second)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, ErrRunning
			}
			return nil, fmt.Errorf("failed to lock the agent's folder: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peerUID returns the uid of the process at the other end of c.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, errors.New("not a unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, err
	}
	uid, cerr := -1, error(nil)
	err = raw.Control(func(fd uintptr) { uid, cerr = sockUID(int(fd)) })
	if err == nil {
		err = cerr
	}
	return uid, err
}
