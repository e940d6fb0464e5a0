//go:build !linux && !darwin

package helper

import (
	"fmt"
	"net"
	"runtime"
)

// peerCred is not implemented here: vmnetd only knows how to ask Linux
// (SO_PEERCRED) and macOS (LOCAL_PEERCRED) who is connecting, and without
// that answer it must refuse everybody rather than guess.
func peerCred(*net.UnixConn) (uid, pid int, err error) {
	return -1, 0, fmt.Errorf("peer credentials are not supported on %s; vmnetd refuses every connection", runtime.GOOS)
}
