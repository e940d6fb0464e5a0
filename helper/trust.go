// This code runs as root inside vmnetd: it decides which paths root may
// trust (the socket's directory, the profile, the app support dir).

package helper

import (
	"fmt"
	"path/filepath"

	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/trust"
)

// UnsafePathError says a path vmnetd would trust could be changed by
// someone other than root, or is not what vmnetd expects there (exit 9).
// It is the installer's error, with the same messages.
type UnsafePathError = trust.UnsafeError

// checkTrustedDir checks that dir, every directory above it and, when it
// holds links, every directory on the way to where it leads are
// root-owned and that nobody but root can replace them (the walk of
// package trust, as root on the running system: vmnetd never stands a
// user in for root). A sticky ancestor (such as /tmp) is fine: others may
// not rename or delete the root-owned entries in it. dir itself must not
// be sticky-open.
func checkTrustedDir(dir string) error { return checkTrustedPath(dir, trust.Dir) }

// checkTrustedFile checks a file root reads and believes (the profile):
// a regular file, not a link, root-owned, not writable by others, in a
// trusted directory.
func checkTrustedFile(path string) error { return checkTrustedPath(path, trust.File) }

func checkTrustedPath(p string, want trust.Want) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", p, err)
	}
	host, err := rootfs.Open("/")
	if err != nil {
		return fmt.Errorf("checking %s: %w", abs, err)
	}
	defer host.Close()
	return trust.Walk(host, abs, want, trust.Context{Live: true})
}
