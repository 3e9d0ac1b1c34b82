package agentd

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// watchVault re-reads the vault (reload) as soon as another process
// replaces its file: every writer renames a new file into place, which
// inotify reports on the folder as IN_MOVED_TO of the vault's name. It
// ends when the server stops. Without inotify (or when the watch cannot be
// set) nothing changes: each request re-reads a changed vault first.
func (s *Server) watchVault() {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return
	}
	dir, name := filepath.Split(s.vault)
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_MOVED_TO|unix.IN_CLOSE_WRITE); err != nil {
		unix.Close(fd)
		return
	}
	f := os.NewFile(uintptr(fd), "inotify") // non-blocking: Close ends a Read
	go func() { <-s.stopped; f.Close() }()
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if err != nil {
			return
		}
		if namesFile(buf[:n], name) {
			s.reload()
		}
	}
}

// namesFile reports whether the inotify events in b (struct inotify_event:
// wd, mask, cookie, len, then len bytes of NUL-padded name) name the file
// name. A short or malformed record ends the scan.
func namesFile(b []byte, name string) bool {
	const header = unix.SizeofInotifyEvent
	for len(b) >= header {
		n := int(binary.NativeEndian.Uint32(b[12:16]))
		if n < 0 || n > len(b)-header {
			return false
		}
		if string(bytes.TrimRight(b[header:header+n], "\x00")) == name {
			return true
		}
		b = b[header+n:]
	}
	return false
}
