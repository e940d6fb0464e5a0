// This code runs as root inside vmnetd: it creates the helper's socket.

package helper

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/macfleet/installer/install/trust"
)

// umaskMu serialises the process-wide umask change around bind(2).
var umaskMu sync.Mutex

// createSocket makes the listening socket at path, born mode 0600 (no
// window where others could connect) and then given to uid, in a directory
// only root can change. A stale socket from a previous run is replaced;
// anything else at path is left alone and refused.
func createSocket(path string, uid int) (*net.UnixListener, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("socket path %q is not absolute", path)
	}
	if err := checkTrustedDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	// Bound under its final name: the kernel keeps the name a socket was
	// bound to and reports it as the peer address in every client's
	// errors, so a temporary name would show up there long after it is
	// gone. It is born 0600 and root's (umask 0177); until listen(2) and
	// the chown below, a few microseconds, a client gets ECONNREFUSED or
	// EACCES as if vmnetd had not started yet (our Client retries for
	// startupWindow). The directory is root's alone (checked
	// above), so the name still refers to the socket we just bound.
	umaskMu.Lock()
	old := unix.Umask(0o177)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	unix.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("creating socket %s: %w", path, unwrapOp(err))
	}
	fail := func(what string, err error) (*net.UnixListener, error) {
		ln.Close() // removes the socket (unlink on close is still set)
		return nil, fmt.Errorf("socket %s: %s: %w", path, what, unwrapOp(err))
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fail("mode", err)
	}
	if err := os.Lchown(path, uid, 0); err != nil {
		return fail("owner", err)
	}
	// The server removes the socket under its final name (closeSocket).
	ln.SetUnlinkOnClose(false)
	return ln, nil
}

// unwrapOp drops the path or address an *os.PathError or *net.OpError
// carries, for errors that name the path themselves.
func unwrapOp(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return fmt.Errorf("%s: %w", se.Syscall, se.Err)
		}
		return oe.Err
	}
	return err
}

// closeSocket closes the listener and removes its socket, if what is at
// path is still a socket (Server.Close calls it once).
func closeSocket(ln *net.UnixListener, path string) error {
	err := ln.Close()
	if err == nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(path)
		}
	}
	return err
}

// removeStale removes a socket left by a vmnetd that died, but never a
// live one and never a file, directory or link.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return &UnsafePathError{Path: path, Problem: trust.NotA(fi.Mode(), "a socket")}
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("another vmnetd is already listening on %s", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing stale socket: %w", err)
	}
	return nil
}
