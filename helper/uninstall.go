// This code runs as root inside vmnetd: it removes the helper itself.

package helper

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Uninstaller removes the helper's LaunchDaemon plist and binary, then has
// launchd forget the job so KeepAlive does not start it again.
type Uninstaller struct {
	Root  string   // target root, "/" for a live install
	Label string   // the helper's launchd label
	Paths []string // absolute paths inside Root: the plist and the binary
	// Bootout unloads the job (live macOS: launchctl bootout system/<label>).
	// It may kill this process; nil means there is nothing to unload.
	Bootout func(label string) error
}

// removeFiles deletes Paths through an os.Root on Root, so no link can
// take the removal outside the target root. Missing files are fine.
func (u *Uninstaller) removeFiles() error {
	root, err := os.OpenRoot(u.Root)
	if err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	defer root.Close()
	var errs []error
	for _, p := range u.Paths {
		rel := strings.TrimLeft(p, "/")
		if err := root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("uninstall: removing %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}
