package install

import (
	"errors"
	"io/fs"
	"path"

	"github.com/macfleet/installer/install/users"
	"github.com/macfleet/installer/symlinks"
)

// systemBinDir is the system CLI location of SPEC.md §4 step 3.
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
func observeLinkDir(env *Env, dir string) ([]symlinks.Entry, error) {
	ents, err := env.FS.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	have := make([]symlinks.Entry, 0, len(ents))
	for _, e := range ents {
		p := path.Join(dir, e.Name())
		fi, err := env.FS.Lstat(p)
		if err != nil {
			return nil, err
		}
		en := symlinks.Entry{Name: e.Name(), Kind: symlinks.Other}
		if fi.Mode()&fs.ModeSymlink != 0 {
			en.Kind = symlinks.Link
			if en.Target, err = env.FS.Readlink(p); err != nil {
				return nil, err
			}
			_, serr := env.FS.Stat(p)
			en.TargetExists = serr == nil
		}
		have = append(have, en)
	}
	return have, nil
}

// planLinks is step 3: a link in the CLI location for every bundled tool.
func (p *planner) planLinks(u users.User) error {
	const step = "links"
	d := p.opts.Product
	cliDir := d.BundledCLIDir()
	tools, err := bundledTools(p.env, cliDir)
	if err != nil {
		return err
	}
	dir := systemBinDir
	if len(tools) > 0 {
		if err := p.ensureDir(step, dir, rootWheel, 0o755); err != nil {
			return err
		}
	}
	have, err := observeLinkDir(p.env, dir)
	if err != nil {
		return Errorf(KindFailed, "inspect %s: %w", dir, err)
	}
	ops := symlinks.Plan(symlinks.Wanted(cliDir, tools), have, symlinks.Ours(dir, d.AppBundle))
	for _, op := range ops {
		lp := path.Join(dir, op.Name)
		old, inReceipt := p.oldItem("link", lp)
		switch op.Action {
		case symlinks.Create:
			p.link(step, lp, op.Target, "", rootWheel)
			p.receipt = append(p.receipt, Item{Kind: "link", Path: lp, Target: op.Target, Step: step})
		case symlinks.Replace:
			p.link(step, lp, op.Target, op.Current, rootWheel)
			prev := op.Current
			if inReceipt {
				prev = old.Previous // the link was ours already: keep what it replaced
			}
			p.receipt = append(p.receipt, Item{Kind: "link", Path: lp, Target: op.Target, Previous: prev, Step: step})
		case symlinks.Keep:
			if inReceipt {
				p.receipt = append(p.receipt, old)
			}
		case symlinks.Remove:
			if inReceipt {
				p.unlink(step, lp, op.Current)
			} else {
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
