// The planner: one run's operations, receipt and notes, and the homes
// it may touch (each a strict sub-root).

package install

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/macfleet/installer/install/appinfo"
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
	// for uninstall (an older helper, which step 3 would remove anyway).
	replaceOnly map[string]bool
	// later are ops that run after the profile is written: the helper's
	// bootstrap or restart, so that it reads the profile it serves.
	later []Op
	// user is the user this run sets up.
	user users.User
	// helperSum is the sha256 of a --helper-binary this run installs.
	helperSum string
	// app is the app's Info.plist, read once (appInfo).
	app     appinfo.Info
	appRead bool
	// superseded are old receipt items (kind NUL path) a step of this
	// run already brings to the wanted state, so they are no leftovers.
	superseded map[string]bool
	// appSkip is set when the app-settings step has ops: the OS may
	// refuse them at apply time (tolerateOSRefusal).
	appSkip *appSkip
	// adoptedApp are the store items of user mode a root install takes
	// over (planSetupHandover), by path.
	adoptedApp map[string]Item
	// warnings are the run's warnings (Result.Warnings).
	warnings []string
	// late collects the warnings ops give at apply time (Result.late).
	late *[]string
	// fixedDirs are dirs whose owner and mode this run already checked.
	fixedDirs map[string]bool
}

// lateWarning returns the function an op calls at apply time to report a
// warning the run goes on without.
func (p *planner) lateWarning() func(string) {
	if p.late == nil {
		p.late = new([]string)
	}
	late := p.late
	return func(w string) { *late = append(*late, w) }
}

// result is the run's result: its ops, notes and warnings, with what
// afterApply needs.
func (p *planner) result() *Result {
	return &Result{Ops: p.ops, Notes: p.notes, Warnings: p.warnings, appSkip: p.appSkip, late: p.late}
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
	h, err := OpenHome(p.env.FS, home)
	if err != nil {
		return err
	}
	if p.homes == nil {
		p.homes = map[string]rootfs.FS{}
	}
	p.homes[home] = h
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

// unixMode writes a mode as chmod takes it: 0755, 1755 with the sticky bit.
func unixMode(m fs.FileMode) string {
	n := uint32(m.Perm())
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	return fmt.Sprintf("%04o", n)
}
