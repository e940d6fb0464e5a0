// Step 2, home ownership (docs/contract.md §14): root-owned entries in the
// trees of the home the app and its CLI use are given to the user.
//
// SECURITY: root changes owners in a directory the user controls; every
// call goes through package homeown (no link followed, the walk confined
// to the trees, a hard-linked file never given away).

package install

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/macfleet/installer/install/homeown"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
)

// homeTrees are the trees of the home, relative to it, whose root-owned
// entries stop the app or its CLI: ~/<user dir>, the app container and
// the group container (those the descriptor names).
func homeTrees(d product.Descriptor) []string {
	var out []string
	for _, t := range []string{d.UserDir, d.AppContainerDir(), d.GroupContainerDir()} {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// rootOwned scans the trees of the home (home: its logical path; fsys:
// the home opened as a strict root, OpenHome) and returns the first limit
// root-owned entries (all with 0), with a note for each tree not walked.
// The walk never follows a link (docs/contract.md §14): a tree whose root
// is a link is that link alone, and a tree reached through a link on its
// way is not walked.
func rootOwned(fsys rootfs.FS, d product.Descriptor, home string, limit int) ([]homeown.Entry, []string, error) {
	var trees, notes []string
	for _, t := range homeTrees(d) {
		lp := home + "/" + t
		fi, err := fsys.Lstat(lp)
		if err != nil {
			if errors.Is(err, rootfs.ErrEscape) {
				notes = append(notes, fmt.Sprintf("%s is not checked for root-owned entries: a link on its way leaves the home", lp))
			}
			continue // missing: nothing to check
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			trees = append(trees, t) // the link itself, never walked
			continue
		}
		if r, err := fsys.Resolve(lp); err != nil || r != lp {
			notes = append(notes, fmt.Sprintf("%s is not checked for root-owned entries: it is reached through a link", lp))
			continue
		}
		trees = append(trees, t)
	}
	entries, err := homeown.Scan(fsys.Dir(), trees, limit)
	return entries, notes, err
}

// RootOwnedInHome lists, as paths under home, the first limit (all with
// 0) entries owned by root in the user's ~/<user dir>, app container and
// group container: what `status` reports under home-ownership and what
// stops the app at launch. fsys is the target root.
func RootOwnedInHome(fsys rootfs.FS, d product.Descriptor, home string, limit int) ([]string, error) {
	h, err := OpenHome(fsys, home)
	if err != nil {
		return nil, err
	}
	entries, _, err := rootOwned(h, d, home, limit)
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = home + "/" + e.Path
	}
	return out, err
}

// planHomeOwnership is step 2: one chown op per root-owned entry. A
// refusal by the OS (EPERM, EACCES: macOS privacy protection) or an entry
// changed since the plan is a warning, not a failure; uninstall never
// gives anything back to root, but a failed run's rollback does.
func (p *planner) planHomeOwnership() error {
	const step = StepHomeOwnership
	if !p.env.applyOwnership() {
		return nil // offline, not root: ownership is not applied (warned once)
	}
	u, d := p.user, p.opts.Product
	fsys, ok := p.homes[u.Home]
	if !ok {
		return nil
	}
	entries, notes, err := rootOwned(fsys, d, u.Home, 0)
	if err != nil {
		return err
	}
	for _, n := range notes {
		p.note("%s", n)
	}
	host := fsys.Dir()
	warn := p.lateWarning()
	for _, e := range entries {
		e, lp := e, u.Home+"/"+e.Path
		if why := e.Kept(); why != "" {
			p.note("%s stays root's: %s, which root never gives away; remove it as root if it is not needed", lp, why)
			continue
		}
		changed := false
		p.add(Op{Step: step, Action: "chown", Path: lp, Owner: displayOwner(u.Name, u.UID, u.GID), Detail: "owned by root",
			Do: func() error {
				err := homeown.Chown(host, e, u.UID, u.GID)
				switch {
				case err == nil:
					changed = true
					return nil
				case errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES):
					warn(fmt.Sprintf("%s stays root's: the OS refused the change (%v); on macOS 15+ the MDM agent needs Full Disk Access", lp, errors.Unwrap(err)))
					return nil
				case errors.Is(err, homeown.ErrChanged):
					warn(fmt.Sprintf("%s left alone: %v", lp, err))
					return nil
				}
				return err
			},
			Undo: func() error {
				if !changed {
					return nil
				}
				// An entry changed since the chown was replaced by a
				// later op of this run, whose own undo has put back the
				// entry it observed (with its owner), or by the user:
				// either way root gives nothing it did not verify.
				if err := homeown.Restore(host, e, u.UID); err != nil && !errors.Is(err, homeown.ErrChanged) {
					return err
				}
				return nil
			},
		})
	}
	return nil
}
