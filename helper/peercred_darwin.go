// This code runs as root inside vmnetd: it decides who may talk to it.

package helper

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// xucredVersion is XUCRED_VERSION of <sys/ucred.h>; x/sys does not export it.
const xucredVersion = 0

// peerCred returns the uid and pid of the process on the other end of c,
// as the kernel recorded them at connect(2) (LOCAL_PEERCRED, LOCAL_PEERPID).
func peerCred(c *net.UnixConn) (uid, pid int, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, 0, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *unix.Xucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		if cerr == nil {
			// The pid is for the log only; a failure here does not matter.
			pid, _ = unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID)
		}
	}); err != nil {
		return -1, 0, fmt.Errorf("peer credentials: %w", err)
	}
	if cerr != nil {
		return -1, 0, fmt.Errorf("peer credentials: LOCAL_PEERCRED: %w", cerr)
	}
	if cred.Version != xucredVersion {
		return -1, 0, fmt.Errorf("peer credentials: unexpected xucred version %d", cred.Version)
	}
	return int(cred.Uid), pid, nil
}
