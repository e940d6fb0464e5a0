// This code runs as root inside vmnetd: it decides which paths root may
// trust (the socket's directory, the profile, the app support dir).

package helper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// UnsafePathError says a path vmnetd would trust could be changed by
// someone other than root (SPEC.md §9, exit 9).
type UnsafePathError struct {
	Path   string
	Reason string
}

func (e *UnsafePathError) Error() string {
	return fmt.Sprintf("unsafe path %s: %s; make it root-owned and not writable by others", e.Path, e.Reason)
}

// trustedGID reports whether a group may have write access to a trusted
// directory. On macOS /var/run is root:daemon 0775 and both wheel and daemon
// hold only root, so their write bit does not hand the path to a user.
func trustedGID(gid uint32) bool {
	return gid == 0 || (runtime.GOOS == "darwin" && gid == 1)
}

// checkTrustedDir checks that dir, once its links are resolved, and every
// directory above it are root-owned and that nobody but root can replace
// them. A sticky ancestor (such as /tmp) is fine: others may not rename or
// delete the root-owned entries in it. dir itself must not be sticky-open.
func checkTrustedDir(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", dir, err)
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", dir, err)
	}
	for p, first := real, true; ; p, first = filepath.Dir(p), false {
		if err := checkTrustedEntry(p, first, true); err != nil {
			return err
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// checkTrustedFile checks a file root reads and believes (the profile):
// a regular file, not a link, root-owned, not writable by others, in a
// trusted directory.
func checkTrustedFile(path string) error {
	if err := checkTrustedEntry(path, true, false); err != nil {
		return err
	}
	return checkTrustedDir(filepath.Dir(path))
}

func checkTrustedEntry(p string, strict, wantDir bool) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("checking %s: %w", p, err)
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return &UnsafePathError{p, "it is a symbolic link"}
	case wantDir && !fi.IsDir():
		return &UnsafePathError{p, "it is not a directory"}
	case !wantDir && !fi.Mode().IsRegular():
		return &UnsafePathError{p, "it is not a regular file"}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return errors.New("checking " + p + ": no owner information on this system")
	}
	perm := fi.Mode().Perm()
	sticky := fi.Mode()&os.ModeSticky != 0
	switch {
	case st.Uid != 0:
		return &UnsafePathError{p, fmt.Sprintf("it is owned by uid %d, not root", st.Uid)}
	case !strict && sticky:
		return nil
	case perm&0o002 != 0:
		return &UnsafePathError{p, fmt.Sprintf("it is world-writable (mode %04o)", perm)}
	case perm&0o020 != 0 && !trustedGID(st.Gid):
		return &UnsafePathError{p, fmt.Sprintf("it is writable by group %d (mode %04o)", st.Gid, perm)}
	}
	return nil
}
