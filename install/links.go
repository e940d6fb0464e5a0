package install

import (
	"errors"
	"io/fs"
	"path"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
	"github.com/macfleet/installer/symlinks"
)

// systemBinDir is the system CLI location of docs/contract.md §4 step 4.
const systemBinDir = "/usr/local/bin"

// bundledTools lists the executables in the app's CLI dir: regular files
// (or links to them) with an execute bit.
func bundledTools(env *Env, cliDir string) ([]string, error) {
	ents, err := env.FS.ReadDir(cliDir)
	if err != nil {
		return nil, Errorf(KindNoProduct, "read %s: %w", cliDir, err)
	}
	var names []string
	for _, e := range ents {
		fi, err := env.FS.Stat(path.Join(cliDir, e.Name()))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			continue
		}
		names = append(names, e.Name())
	}
	return names, nil
}

// observeLinkDir lists dir for the symlinks planner; a missing dir is empty.
func observeLinkDir(fsys rootfs.FS, dir string) ([]symlinks.Entry, error) {
	ents, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	have := make([]symlinks.Entry, 0, len(ents))
	for _, e := range ents {
		p := path.Join(dir, e.Name())
		fi, err := fsys.Lstat(p)
		if err != nil {
			return nil, err
		}
		en := symlinks.Entry{Name: e.Name(), Kind: symlinks.Other}
		if fi.Mode()&fs.ModeSymlink != 0 {
			en.Kind = symlinks.Link
			if en.Target, err = fsys.Readlink(p); err != nil {
				return nil, err
			}
			_, serr := fsys.Stat(p)
			en.TargetExists = serr == nil
		}
		have = append(have, en)
	}
	return have, nil
}

// userBinDir is the user CLI location: ~/<user dir>/bin.
func userBinDir(d product.Descriptor, u users.User) string {
	return path.Join(u.Home, d.UserDir, "bin")
}

// userOwner is who owns what the installer creates in u's home.
func userOwner(u users.User) owner {
	return owner{uid: u.UID, gid: u.GID, name: displayOwner(u.Name, u.UID, u.GID)}
}

// planLinks is step 4: a link in the CLI location for every bundled tool.
// Links of ours in the other location are not wanted any more and are
// removed with the rest of the old receipt's leftovers.
func (p *planner) planLinks(u users.User) error {
	const step = "links"
	d := p.opts.Product
	cliDir := d.BundledCLIDir()
	tools, err := bundledTools(p.env, cliDir)
	if err != nil {
		return err
	}
	dir, o, home := systemBinDir, rootWheel, ""
	if p.opts.CLILocation == "user" {
		dir, o, home = userBinDir(d, u), userOwner(u), u.Home
	}
	if len(tools) > 0 {
		if err := p.ensureDir(step, dir, o, 0o755); err != nil {
			return err
		}
	}
	have, err := observeLinkDir(p.fsFor(dir), dir)
	if err != nil {
		return Errorf(KindFailed, "inspect %s: %w", dir, err)
	}
	ops := symlinks.Plan(symlinks.Wanted(cliDir, tools), have, symlinks.Ours(dir, d.AppBundle))
	for _, op := range ops {
		lp := path.Join(dir, op.Name)
		old, inReceipt := p.oldItem("link", lp)
		switch op.Action {
		case symlinks.Create:
			p.link(step, lp, op.Target, "", o)
			p.receipt = append(p.receipt, Item{Kind: "link", Path: lp, Target: op.Target, Step: step, Home: home})
		case symlinks.Replace:
			p.link(step, lp, op.Target, op.Current, o)
			prev := op.Current
			if inReceipt {
				prev = old.Previous // the link was ours already: keep what it replaced
			}
			p.receipt = append(p.receipt, Item{Kind: "link", Path: lp, Target: op.Target, Previous: prev, Step: step, Home: home})
		case symlinks.Keep:
			if inReceipt {
				p.receipt = append(p.receipt, old)
				p.fixOwnerMode(step, lp, o, 0)
			}
		case symlinks.Remove:
			// Ours (in the receipt): removed with the old receipt's
			// leftovers. Otherwise someone else made it.
			if !inReceipt {
				p.note("%s -> %s points into the app but was not created by this installer; left alone", lp, op.Current)
			}
		case symlinks.Foreign:
			what := "regular file or directory"
			if op.Kind == symlinks.Link {
				what = "link to " + op.Current
			}
			p.note("%s is not ours (%s); left alone, so the app's %s is not linked", lp, what, op.Name)
		}
	}
	return nil
}
