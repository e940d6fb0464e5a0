// Link operations: create, replace and remove the installer's symlinks,
// never anyone else's.

package install

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/macfleet/installer/install/rootfs"
)

// link plans a new symlink at lp -> target; replacing an existing link of
// ours when previous is not empty.
func (p *planner) link(step, lp, target, previous string, o owner) {
	fsys := p.fsFor(lp)
	fo := p.fsOwner(o)
	var prevOwner *rootfs.Owner
	if previous != "" {
		prevOwner = p.linkOwner(fsys, lp)
	}
	op := Op{Step: step, Action: "link", Path: lp, Target: target, Owner: o.name,
		Do:   func() error { return makeLink(fsys, target, lp, fo) },
		Undo: func() error { return removeLinkTo(fsys, lp, target) },
	}
	if previous != "" {
		op.Action = "relink"
		op.Detail = "was -> " + previous
		op.Do = func() error {
			if err := removeLinkTo(fsys, lp, previous); err != nil {
				return err
			}
			return undoOnError(makeLink(fsys, target, lp, fo), func() error { return makeLink(fsys, previous, lp, prevOwner) })
		}
		op.Undo = func() error {
			if err := removeLinkTo(fsys, lp, target); err != nil {
				return err
			}
			return makeLink(fsys, previous, lp, prevOwner)
		}
	}
	p.add(op)
}

// unlink plans the removal of our link lp, which points to target; undo
// recreates it with the owner it had.
func (p *planner) unlink(step, lp, target string) {
	fsys := p.fsFor(lp)
	o := p.linkOwner(fsys, lp)
	p.add(Op{Step: step, Action: "unlink", Path: lp, Target: target,
		Do:   func() error { return removeLinkTo(fsys, lp, target) },
		Undo: func() error { return makeLink(fsys, target, lp, o) },
	})
}

// linkOwner is the owner of the link lp now, if ownership is applied.
func (p *planner) linkOwner(fsys rootfs.FS, lp string) *rootfs.Owner {
	if !p.env.applyOwnership() {
		return nil
	}
	fi, err := fsys.Lstat(lp)
	if err != nil {
		return nil
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return &rootfs.Owner{UID: int(st.Uid), GID: int(st.Gid)}
	}
	return nil
}

// makeLink creates a link with an owner, or nothing: a link whose chown
// fails is removed again, so an op never half-happens.
func makeLink(fsys rootfs.FS, target, lp string, o *rootfs.Owner) error {
	if err := fsys.Symlink(target, lp); err != nil {
		return err
	}
	return undoOnError(chownIf(fsys, lp, o), func() error { return fsys.Remove(lp) })
}

func chownIf(fsys rootfs.FS, p string, o *rootfs.Owner) error {
	if o == nil {
		return nil
	}
	return fsys.Lchown(p, o.UID, o.GID)
}

// undoOnError runs undo when err is set and returns err (with undo's own
// failure, if any).
func undoOnError(err error, undo func() error) error {
	if err == nil {
		return nil
	}
	if uerr := undo(); uerr != nil {
		return fmt.Errorf("%w (and could not undo: %v)", err, uerr)
	}
	return err
}

// removeLinkTo removes lp only if it is still a link to target: anything
// else found there now was put there by someone else and is kept.
func removeLinkTo(fsys rootfs.FS, lp, target string) error {
	got, err := fsys.Readlink(lp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if got != target {
		return fmt.Errorf("%s now points to %s, not %s; left alone", lp, got, target)
	}
	return fsys.Remove(lp)
}
