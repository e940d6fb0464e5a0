// Directory operations: create with owner and mode, put back an owner or
// mode someone changed.

package install

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"syscall"
)

// ensureDir plans the creation of dir and its missing parents with the
// given owner and mode, recording each created dir; dirs created by an
// earlier run stay in the receipt.
func (p *planner) ensureDir(step, dir string, o owner, perm fs.FileMode) error {
	if p.dirs[dir] {
		return nil
	}
	if p.dirs == nil {
		p.dirs = map[string]bool{}
	}
	p.dirs[dir] = true
	var missing []string
	for d := dir; d != "/"; d = path.Dir(d) {
		fi, err := p.fsFor(d).Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return Errorf(KindUnsafe, "%s is not a directory (%s); move it aside and rerun", d, fi.Mode().Type())
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("inspect %s: %w", d, err)
		}
		missing = append(missing, d)
	}
	// Dirs an earlier run created stay ours; they are the existing
	// parents of the missing ones, so they go first.
	var carried []Item
	for d := dir; d != "/"; d = path.Dir(d) {
		if it, ok := p.oldItem("dir", d); ok && !contains(missing, d) && !p.hasItem("dir", d) {
			it.Step = step // whichever step needs it now, as a fresh install records it
			carried = append([]Item{it}, carried...)
		}
	}
	p.receipt = append(p.receipt, carried...)
	if _, ours := p.oldItem("dir", dir); ours && !contains(missing, dir) {
		// Ours already: put back an owner or mode someone changed.
		p.fixOwnerMode(step, dir, o, perm)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if p.hasItem("dir", d) {
			continue // a parent another step already creates
		}
		fsys := p.fsFor(d)
		fo := p.fsOwner(o)
		p.add(Op{
			Step: step, Action: "mkdir", Path: d, Owner: o.name, Mode: unixMode(perm),
			Do: func() error {
				if err := fsys.Mkdir(d, perm); err != nil {
					return err
				}
				return undoOnError(chownIf(fsys, d, fo), func() error { return fsys.Remove(d) })
			},
			Undo: func() error { return fsys.Remove(d) },
		})
		p.receipt = append(p.receipt, Item{Kind: "dir", Path: d, Step: step, Home: p.homeOf(d)})
	}
	return nil
}

// fixOwnerMode plans a chown (and, for dirs, a chmod) of something the
// installer made whose owner or mode is no longer what it made it with;
// nothing when they are right, so a second run keeps every ctime.
func (p *planner) fixOwnerMode(step, fp string, o owner, perm fs.FileMode) {
	if !p.env.applyOwnership() {
		return
	}
	fsys := p.fsFor(fp)
	fi, err := fsys.Lstat(fp)
	if err != nil {
		return
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	uid, gid := int(st.Uid), int(st.Gid)
	if uid != o.uid || gid != o.gid {
		p.add(Op{Step: step, Action: "chown", Path: fp, Owner: o.name, Detail: fmt.Sprintf("was uid %d:gid %d", uid, gid),
			Do:   func() error { return fsys.Lchown(fp, o.uid, o.gid) },
			Undo: func() error { return fsys.Lchown(fp, uid, gid) },
		})
	}
	if old := fi.Mode() & (fs.ModePerm | fs.ModeSticky); fi.IsDir() && old != perm {
		p.add(Op{Step: step, Action: "chmod", Path: fp, Mode: unixMode(perm), Detail: "was " + unixMode(old),
			Do:   func() error { return fsys.Chmod(fp, perm) },
			Undo: func() error { return fsys.Chmod(fp, old) },
		})
	}
}
