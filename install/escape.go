package install

import (
	"errors"

	"github.com/macfleet/installer/install/rootfs"
)

// refuseEdit is the error for a user's file that cannot be edited safely.
// A link out of the home is named by what the person sees (the file, the
// link's target, the home) with what to do, not by the confined path the
// resolver saw (docs/contract.md §13).
func (p *planner) refuseEdit(fsys rootfs.FS, file string, err error) error {
	if !errors.Is(err, rootfs.ErrEscape) {
		return Errorf(KindUnsafe, "refusing to edit %s: %w", file, err)
	}
	home := ""
	for h := range p.homes {
		if under(file, h) {
			home = h
		}
	}
	to := "a place"
	var ee *rootfs.EscapeError
	if errors.As(err, &ee) {
		to = ee.Target
	} else if t, lerr := fsys.Readlink(file); lerr == nil {
		to = t
	}
	return Errorf(KindUnsafe, "refusing to edit %s: it is a link to %s, outside the home %s; move the link aside and rerun (nothing was changed)%w",
		file, to, home, quiet{rootfs.ErrEscape})
}

// quiet wraps an error for errors.Is without adding to the message.
type quiet struct{ err error }

func (q quiet) Error() string { return "" }
func (q quiet) Unwrap() error { return q.err }
