package install

import (
	"path"

	"github.com/macfleet/installer/install/users"
)

// planSetupHandover is the step of a root install that takes over from
// `installer setup` (docs/contract.md §5): everything the state file's receipt
// lists is removed, except what this install wants too (the links, with
// --cli-location=user; a PATH block it writes itself), which is adopted
// into the install's receipt along with what setup knew of the home
// before it, so that uninstall still leaves the home as it was before
// setup. The decline is cleared by removing the state file.
//
// SECURITY: root reads a file the user wrote. It goes through the strict
// home root, its items are confined to the home and never give an owner
// or a set-id mode (SetupState.items), and what root writes back there is
// owned by the user.
func (p *planner) planSetupHandover(u users.User) error {
	d := p.opts.Product
	sp := statePath(d, u)
	fsys := p.fsFor(sp)
	st, items, _, err := readState(fsys, sp, u)
	switch {
	case err != nil:
		p.note("user-mode state %v; left alone", err)
		return nil
	case st == nil:
		return nil
	case st.Product != d.Name || st.UID != u.UID:
		p.note("user-mode state %s is for product %q and uid %d, not this install; left alone", sp, st.Product, st.UID)
		return nil
	}
	wanted := map[string]bool{}
	if p.opts.CLILocation == "user" {
		if tools, err := bundledTools(p.env, d.BundledCLIDir()); err == nil {
			for _, t := range tools {
				wanted[path.Join(userBinDir(d, u), t)+"\x00"+path.Join(d.BundledCLIDir(), t)] = true
			}
		}
	}
	keep := func(it Item) bool {
		if i := p.receiptIndex(it.Kind, it.Path); i >= 0 {
			p.receipt[i] = adoptBefore(p.receipt[i], it)
			return true
		}
		adopt := false
		switch it.Kind {
		case "link":
			got, err := p.fsFor(it.Path).Readlink(it.Path)
			adopt = err == nil && got == it.Target && wanted[it.Path+"\x00"+it.Target]
		case "dir":
			gdir, _, _ := p.appStoreFiles(u)
			adopt = p.receiptHasUnder(it.Path) || (p.opts.AppSettings && p.opts.Product.GroupContainer != "" && under(gdir, it.Path))
		case "app-settings":
			// The app-settings step takes it over, with what setup knew
			// of each key before it.
			if p.opts.AppSettings {
				if p.adoptedApp == nil {
					p.adoptedApp = map[string]Item{}
				}
				p.adoptedApp[it.Path] = it
				return true
			}
		}
		if adopt {
			p.receipt = append(p.receipt, it)
		}
		return adopt
	}
	// What is undone is reported under the install's own steps; the
	// context belongs with the state file to the user-mode profile.
	for i := range items {
		if items[i].Step == "context" {
			items[i].Step = "profile"
		}
	}
	return p.planUndoSetup(u, "profile", items, keep)
}

// adoptBefore gives the install's receipt item what setup knew of the
// home before it: whether it made the shell file, the file it replaced,
// the link it replaced.
func adoptBefore(it, setup Item) Item {
	switch it.Kind {
	case "block":
		it.Created = setup.Created
	case "file":
		if setup.Existed {
			it.Existed, it.PreviousData, it.PreviousMode, it.PreviousUID, it.PreviousGID =
				true, setup.PreviousData, setup.PreviousMode, setup.PreviousUID, setup.PreviousGID
		}
	case "link":
		it.Previous = setup.Previous
	}
	return it
}

// receiptIndex is the index of the item in this run's receipt, or -1.
func (p *planner) receiptIndex(kind, path string) int {
	for i, it := range p.receipt {
		if it.Kind == kind && it.Path == path {
			return i
		}
	}
	return -1
}

// receiptHasUnder reports whether this run's receipt holds something
// inside dir.
func (p *planner) receiptHasUnder(dir string) bool {
	for _, it := range p.receipt {
		if it.Path != dir && under(it.Path, dir) {
			return true
		}
	}
	return false
}
