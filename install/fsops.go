package install

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"syscall"

	"howett.net/plist"

	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// planner accumulates the ops and receipt of one run.
type planner struct {
	env     *Env
	opts    Options
	ops     []Op
	receipt []Item
	notes   []string
	old     *Profile
	// homes are the users' homes opened as strict sub-roots, by path.
	homes map[string]rootfs.FS
	// dirs are the directories this run has already ensured.
	dirs map[string]bool
	// replaceOnly are files whose previous content is not worth keeping
	// for uninstall (an older helper, which step 2 would remove anyway).
	replaceOnly map[string]bool
	// later are ops that run after the profile is written: the helper's
	// bootstrap or restart, so that it reads the profile it serves.
	later []Op
	// user is the user this run sets up.
	user users.User
	// helperSum is the sha256 of a --helper-binary this run installs.
	helperSum string
	// bundle is the app's bundle identifier list, read once (bundleIDs).
	bundle     []string
	bundleRead bool
	// superseded are old receipt items (kind NUL path) a step of this
	// run already brings to the wanted state, so they are no leftovers.
	superseded map[string]bool
}

// supersede marks the old receipt item kind/path as handled by a step.
func (p *planner) supersede(kind, path string) {
	if p.superseded == nil {
		p.superseded = map[string]bool{}
	}
	p.superseded[kind+"\x00"+path] = true
}

// openHome makes paths under home go through a strict sub-root.
func (p *planner) openHome(home string) error {
	if _, ok := p.homes[home]; ok {
		return nil
	}
	sub, err := p.env.FS.Sub(home)
	if err != nil {
		return err
	}
	if p.homes == nil {
		p.homes = map[string]rootfs.FS{}
	}
	p.homes[home] = homeFS{sub: sub, base: home}
	return nil
}

// homeOf is the opened home that path is in, or "".
func (p *planner) homeOf(path string) string {
	for home := range p.homes {
		if under(path, home) && path != home {
			return home
		}
	}
	return ""
}

// fsFor is the filesystem through which root may touch path: the user's
// strict home root for paths in a home, else the target root.
func (p *planner) fsFor(path string) rootfs.FS {
	for home, fsys := range p.homes {
		if under(path, home) {
			return fsys
		}
	}
	return p.env.FS
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

// hasItem reports whether this run's receipt already holds the item.
func (p *planner) hasItem(kind, path string) bool {
	for _, it := range p.receipt {
		if it.Kind == kind && it.Path == path {
			return true
		}
	}
	return false
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
	fsys := p.fsFor(fp)
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

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// bootout plans `launchctl bootout system/<label>` on a live system. A
// job that was loaded is bootstrapped again from plistPath if the run is
// rolled back (by then the plist's old bytes are back in place: the ops
// after this one are undone first).
func (p *planner) bootout(step, label, plistPath string) {
	if !p.env.Live || p.env.Launchd == nil {
		return
	}
	p.add(p.bootoutOp(step, label, plistPath))
}

func (p *planner) bootoutOp(step, label, plistPath string) Op {
	r := p.env.Launchd
	op := Op{Step: step, Action: "bootout", Path: "system/" + label, Detail: "launchctl bootout system/" + label,
		Do: func() error { return r.Bootout(label) },
	}
	if plistPath != "" && p.jobLoaded(label) {
		op.Undo = func() error { return r.Rebootstrap(plistPath) }
	}
	return op
}

// bootstrap plans `launchctl bootstrap system <plist>` on a live system,
// with `launchctl enable` first for a disabled label (SPEC.md §4 step 7);
// after a bootout of the same label in this run, 5 or 37 are retried.
// The ops go to ops, or to p.later for the helper, which must find its
// profile written when it starts.
func (p *planner) bootstrap(step, label, plistPath string, afterBootout bool) {
	if !p.env.Live || p.env.Launchd == nil {
		return
	}
	r := p.env.Launchd
	var ops []Op
	if p.jobDisabled(label) {
		ops = append(ops, Op{Step: step, Action: "enable", Path: "system/" + label, Detail: "launchctl enable system/" + label + ": it was disabled",
			Do:   func() error { return r.Enable(label) },
			Undo: func() error { return r.Disable(label) },
		})
	}
	do := func() error { return r.Bootstrap(plistPath) }
	if afterBootout {
		do = func() error { return r.Rebootstrap(plistPath) }
	}
	ops = append(ops, Op{Step: step, Action: "bootstrap", Path: plistPath, Detail: "launchctl bootstrap system " + plistPath,
		Do:   do,
		Undo: func() error { return r.Bootout(label) },
	})
	if label == p.opts.Product.HelperLabel {
		p.later = append(p.later, ops...)
		return
	}
	p.ops = append(p.ops, ops...)
}

// kickstart plans `launchctl kickstart -k system/<label>` (live), after
// the profile is written, like the helper's bootstrap.
func (p *planner) kickstart(step, label, why string) {
	if !p.env.Live || p.env.Launchd == nil {
		return
	}
	r := p.env.Launchd
	p.later = append(p.later, Op{Step: step, Action: "kickstart", Path: "system/" + label, Detail: "launchctl kickstart -k system/" + label + ": " + why,
		Do: func() error { return r.Kickstart(label) },
	})
}

// jobDisabled asks launchd (live only) whether the label is disabled.
func (p *planner) jobDisabled(label string) bool {
	if !p.env.Live || p.env.Launchd == nil {
		return false
	}
	dis, err := p.env.Launchd.Disabled(label)
	return err == nil && dis
}

// putFile plans writing a file the installer owns (a plist, a settings
// file) and records it; a file that was there before our first run is
// remembered so uninstall can put it back.
func (p *planner) putFile(step, fp, label, home string, data []byte, perm fs.FileMode, o owner, detail string) error {
	fsys := p.fsFor(fp)
	st, err := observeFile(fsys, fp)
	if err != nil {
		return err
	}
	it := Item{Kind: "file", Path: fp, Step: step, Label: label, Home: home, SHA256: sha(data)}
	if old, ok := p.oldItem("file", fp); ok {
		it.Existed, it.PreviousData, it.PreviousMode, it.PreviousUID, it.PreviousGID =
			old.Existed, old.PreviousData, old.PreviousMode, old.PreviousUID, old.PreviousGID
	} else if st.exists && !bytes.Equal(st.data, data) && !p.replaceOnly[fp] {
		it.Existed, it.PreviousData, it.PreviousMode, it.PreviousUID, it.PreviousGID =
			true, st.data, int(st.perm), st.uid, st.gid
	}
	p.receipt = append(p.receipt, it)
	n := len(p.ops)
	p.writeFile(step, "write", fp, data, perm, o, st, detail)
	if label == "" {
		return nil
	}
	wrote, loaded := len(p.ops) > n, p.jobLoaded(label)
	if wrote && loaded && p.env.Live && p.env.Launchd != nil {
		// launchd refuses to bootstrap a loaded label (exit 5): the job
		// running the old bytes goes first.
		p.ops = append(p.ops[:n], append([]Op{p.bootoutOp(step, label, fp)}, p.ops[n:]...)...)
	}
	if wrote || !loaded {
		p.bootstrap(step, label, fp, wrote && loaded)
	}
	return nil
}

// jobLoaded asks launchd (live only) whether the job is loaded; offline
// jobs start at the image's next boot, so they count as loaded.
func (p *planner) jobLoaded(label string) bool {
	if !p.env.Live || p.env.Launchd == nil {
		return true
	}
	_, err := p.env.Launchd.Print(label)
	return err == nil
}

// fileModeOr is the observed file's mode, or def for a new file.
func fileModeOr(st fileState, def fs.FileMode) fs.FileMode {
	if st.exists {
		return st.perm
	}
	return def
}

// encodePlist encodes v as an XML plist.
func encodePlist(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := plist.NewEncoderForFormat(&buf, plist.XMLFormat)
	enc.Indent("\t")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unixMode writes a mode as chmod takes it: 0755, 1755 with the sticky bit.
func unixMode(m fs.FileMode) string {
	n := uint32(m.Perm())
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	return fmt.Sprintf("%04o", n)
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
