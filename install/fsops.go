package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"syscall"

	"github.com/macfleet/installer/install/rootfs"
)

// planner accumulates the ops and receipt of one run.
type planner struct {
	env     *Env
	opts    Options
	ops     []Op
	receipt []Item
	notes   []string
	old     *Profile
}

var rootWheel = owner{uid: 0, gid: 0, name: "root:wheel"}

// owner is who a new file belongs to; name is for the plan listing.
type owner struct {
	uid, gid int
	name     string
}

// fsOwner is the owner to pass to rootfs, nil when ownership is skipped.
func (p *planner) fsOwner(o owner) *rootfs.Owner {
	if !p.env.applyOwnership() {
		return nil
	}
	return &rootfs.Owner{UID: o.uid, GID: o.gid}
}

func (p *planner) add(op Op) { p.ops = append(p.ops, op) }

func (p *planner) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.notes = append(p.notes, msg)
}

// oldItem finds a receipt item of the previous run.
func (p *planner) oldItem(kind, path string) (Item, bool) {
	if p.old == nil {
		return Item{}, false
	}
	for _, it := range p.old.Receipt {
		if it.Kind == kind && it.Path == path {
			return it, true
		}
	}
	return Item{}, false
}

// ensureDir plans the creation of dir and its missing parents with the
// given owner and mode, recording each created dir; dirs created by an
// earlier run stay in the receipt.
func (p *planner) ensureDir(step, dir string, o owner, perm fs.FileMode) error {
	var missing []string
	for d := dir; d != "/"; d = path.Dir(d) {
		fi, err := p.env.FS.Stat(d)
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
		if it, ok := p.oldItem("dir", d); ok && !contains(missing, d) {
			carried = append([]Item{it}, carried...)
		}
	}
	p.receipt = append(p.receipt, carried...)
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		fsys := p.env.FS
		fo := p.fsOwner(o)
		p.add(Op{
			Step: step, Action: "mkdir", Path: d, Owner: o.name, Mode: fmt.Sprintf("%04o", perm),
			Do: func() error {
				if err := fsys.Mkdir(d, perm); err != nil {
					return err
				}
				if fo != nil {
					return fsys.Lchown(d, fo.UID, fo.GID)
				}
				return nil
			},
			Undo: func() error { return fsys.Remove(d) },
		})
		p.receipt = append(p.receipt, Item{Kind: "dir", Path: d, Step: step})
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// link plans a new symlink at lp -> target; replacing an existing link of
// ours when previous is not empty.
func (p *planner) link(step, lp, target, previous string, o owner) {
	fsys := p.env.FS
	fo := p.fsOwner(o)
	create := func() error {
		if err := fsys.Symlink(target, lp); err != nil {
			return err
		}
		if fo != nil {
			return fsys.Lchown(lp, fo.UID, fo.GID)
		}
		return nil
	}
	op := Op{Step: step, Action: "link", Path: lp, Target: target, Owner: o.name, Do: create,
		Undo: func() error { return removeLinkTo(fsys, lp, target) }}
	if previous != "" {
		op.Action = "relink"
		op.Detail = "was -> " + previous
		op.Do = func() error {
			if err := removeLinkTo(fsys, lp, previous); err != nil {
				return err
			}
			return create()
		}
		op.Undo = func() error {
			if err := removeLinkTo(fsys, lp, target); err != nil {
				return err
			}
			return fsys.Symlink(previous, lp)
		}
	}
	p.add(op)
}

// unlink plans the removal of our link lp, which points to target.
func (p *planner) unlink(step, lp, target string) {
	fsys := p.env.FS
	p.add(Op{Step: step, Action: "unlink", Path: lp, Target: target,
		Do:   func() error { return removeLinkTo(fsys, lp, target) },
		Undo: func() error { return fsys.Symlink(target, lp) },
	})
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

// fileState is a regular file as observed, to write it back on undo.
type fileState struct {
	exists   bool
	data     []byte
	perm     fs.FileMode
	uid, gid int
}

func observeFile(fsys rootfs.FS, p string) (fileState, error) {
	fi, err := fsys.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, err
	}
	if !fi.Mode().IsRegular() {
		return fileState{}, Errorf(KindUnsafe, "%s is not a regular file (%s); move it aside and rerun", p, fi.Mode().Type())
	}
	data, err := fsys.ReadFile(p)
	if err != nil {
		return fileState{}, err
	}
	st := fileState{exists: true, data: data, perm: fi.Mode().Perm(), uid: -1, gid: -1}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.uid, st.gid = int(sys.Uid), int(sys.Gid)
	}
	return st, nil
}

// restore puts the observed state back.
func (st fileState) restore(fsys rootfs.FS, p string, chown bool) error {
	if !st.exists {
		err := fsys.Remove(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	var o *rootfs.Owner
	if chown && st.uid >= 0 {
		o = &rootfs.Owner{UID: st.uid, GID: st.gid}
	}
	return fsys.WriteFile(p, st.data, st.perm, o)
}

// writeFile plans an atomic replacement of p (already resolved, a regular
// file or missing) whose current state is old.
func (p *planner) writeFile(step, action, fp string, data []byte, perm fs.FileMode, o owner, old fileState, detail string) {
	if old.exists && bytes.Equal(old.data, data) && old.perm == perm &&
		(!p.env.applyOwnership() || (old.uid == o.uid && old.gid == o.gid)) {
		return
	}
	fsys := p.env.FS
	fo := p.fsOwner(o)
	chown := p.env.applyOwnership()
	p.add(Op{Step: step, Action: action, Path: fp, Owner: o.name, Mode: fmt.Sprintf("%04o", perm), Detail: detail,
		Do:   func() error { return fsys.WriteFile(fp, data, perm, fo) },
		Undo: func() error { return old.restore(fsys, fp, chown) },
	})
}

// displayOwner names a numeric owner for the plan.
func displayOwner(name string, uid, gid int) string {
	if uid == 0 && gid == 0 {
		return "root:wheel"
	}
	if name == "" {
		return fmt.Sprintf("uid %d:gid %d", uid, gid)
	}
	return fmt.Sprintf("%s (uid %d, gid %d)", name, uid, gid)
}
