// This code runs as root inside vmnetd: it decides which paths root may
// trust (the socket's directory, the profile, the app support dir).

package helper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/macfleet/installer/install/trust"
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
	// The one rule (package trust), as root on the running system: vmnetd
	// never stands a user in for root.
	pr := trust.Check(trust.Entry{UID: st.Uid, GID: st.Gid, Mode: fi.Mode(), Above: !strict}, trust.Context{Live: true})
	if pr == nil {
		return nil
	}
	switch pr.Kind {
	case trust.Owner:
		return &UnsafePathError{p, fmt.Sprintf("it is owned by uid %d, not root", st.Uid)}
	case trust.World:
		return &UnsafePathError{p, fmt.Sprintf("it is world-writable (mode %04o)", pr.Perm)}
	default:
		return &UnsafePathError{p, fmt.Sprintf("it is writable by group %d (mode %04o)", st.Gid, pr.Perm)}
	}
}
