package agent

import "golang.org/x/sys/unix"

// sockUID asks the kernel for the peer's uid (LOCAL_PEERCRED, what
// getpeereid reads).
func sockUID(fd int) (int, error) {
	x, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return -1, err
	}
	return int(x.Uid), nil
}
