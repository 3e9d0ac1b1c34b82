package agent

import "golang.org/x/sys/unix"

// sockUID asks the kernel for the peer's uid (SO_PEERCRED).
func sockUID(fd int) (int, error) {
	u, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return -1, err
	}
	return int(u.Uid), nil
}
