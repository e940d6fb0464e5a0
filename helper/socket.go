// This code runs as root inside vmnetd: it creates the helper's socket.

package helper

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
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
	umaskMu.Lock()
	old := unix.Umask(0o177)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	unix.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("creating socket: %w", err)
	}
	// The directory is root's alone (checked above), so the path still
	// names the socket we just bound.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("socket mode: %w", err)
	}
	if err := os.Lchown(path, uid, 0); err != nil {
		ln.Close()
		return nil, fmt.Errorf("socket owner: %w", err)
	}
	return ln, nil
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
		return &UnsafePathError{path, fmt.Sprintf("it exists and is not a socket (%s); remove it by hand", fi.Mode().Type())}
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
