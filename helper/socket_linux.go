// This code runs as root inside vmnetd.

package helper

import "golang.org/x/sys/unix"

// newSocket creates a close-on-exec socket atomically.
func newSocket(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
}
