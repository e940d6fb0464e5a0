//go:build unix && !linux

// This code runs as root inside vmnetd.

package helper

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// newSocket creates a close-on-exec socket. macOS has no SOCK_CLOEXEC, so
// hold ForkLock as the standard library does to keep a concurrent fork
// from inheriting the fd between the two calls.
func newSocket(family, typ int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(family, typ, 0)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}
