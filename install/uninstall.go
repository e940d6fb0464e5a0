package install

import (
	"errors"
	"io/fs"
	"syscall"
)

// Uninstall removes exactly what the profile's receipt lists (docs/README.md),
// restores the hosts lines the installer disabled, and removes the
// profile. Anything changed since by someone else is left alone. With no
// profile there is nothing to do.
func Uninstall(env *Env, opts Options) (*Result, error) {
	if err := checkRoot(env, "uninstall"); err != nil {
		return nil, err
	}
	if !opts.DryRun {
		l, err := lock(env, opts)
		if err != nil {
			return nil, err
		}
		defer l.Close()
	}
	d := opts.Product
	prof, _, err := ReadProfile(env.FS, d.ProfilePath())
	if err != nil {
		return nil, withKind(KindFailed, err)
	}
	if prof == nil {
		return &Result{}, nil
	}
	if _, err := checkTrustedPaths(env, opts, prof.UID); err != nil {
		return nil, err
	}
	p := &planner{env: env, opts: opts, old: prof}

	st, err := observeFile(env.FS, d.ProfilePath())
	if err != nil {
		return nil, err
	}
	// The profile goes last, so that an uninstall cut short can be run
	// again: the receipt is still there. Only the dirs that hold it wait
	// for it.
	var holders []Item
	receipt := canonical(prof.Receipt)
	for i := len(receipt) - 1; i >= 0; i-- {
		if it := receipt[i]; it.Kind == "dir" && under(d.ProfilePath(), it.Path) {
			holders = append(holders, it)
			continue
		}
		if err := p.planUndoItem(receipt[i]); err != nil {
			return nil, err
		}
	}
	fsys := env.FS
	chown := env.applyOwnership()
	p.add(Op{Step: "profile", Action: "remove", Path: d.ProfilePath(),
		Do:   func() error { return fsys.Remove(d.ProfilePath()) },
		Undo: func() error { return st.restore(fsys, d.ProfilePath(), chown) },
	})
	for _, it := range holders {
		if err := p.planUndoItem(it); err != nil {
			return nil, err
		}
	}
	return applyUnlessDry(env, p.result(), opts.DryRun)
}

// planUndoItem plans the removal of one receipt item, as far as it is
// still what the installer made; what someone changed since is left alone
// and reported.
func (p *planner) planUndoItem(it Item) error {
	if it.Home != "" {
		if err := p.openHome(it.Home); err != nil {
			p.note("%s: home %s cannot be opened safely (%v); left alone", it.Path, it.Home, err)
			return nil
		}
	}
	fsys := p.fsFor(it.Path)
	switch it.Kind {
	case "link":
		got, err := fsys.Readlink(it.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || got != it.Target {
			p.note("%s was changed since install; left alone", it.Path)
			return nil
		}
		if it.Previous != "" {
			p.link(it.Step, it.Path, it.Previous, it.Target, rootWheel)
			p.ops[len(p.ops)-1].Action = "restore"
			return nil
		}
		p.unlink(it.Step, it.Path, it.Target)
	case "dir":
		p.rmdirIfEmpty(it.Step, it.Path)
	case "file":
		return p.undoFile(it)
	case "app-settings":
		// As at install, an OS refusal (macOS's group container
		// protection) skips only this: the keys stay, with a warning.
		n := len(p.ops)
		err := p.undoAppSettings(it)
		p.tolerateOSRefusal(n, undoRefusalWarning)
		return err
	case "hosts", "block": // a hosts block, or a block in a shell startup file
		target, err := fsys.Resolve(it.Path)
		if err != nil {
			p.note("%s cannot be resolved safely (%v); left alone", it.Path, err)
			return nil
		}
		if it.Kind == "hosts" {
			return p.planHostsRemove(it, fsys, target)
		}
		st, err := observeFile(fsys, target)
		if err != nil || !st.exists {
			return err
		}
		name := p.opts.Product.Name
		remove := func(b []byte) []byte { return removeBlock(b, name) }
		out := remove(st.data)
		if it.Created && len(out) == 0 {
			p.add(Op{Step: it.Step, Action: "remove", Path: target, Detail: "created by install",
				Do:   func() error { return fsys.Remove(target) },
				Undo: func() error { return st.restore(fsys, target, p.env.applyOwnership()) },
			})
			return nil
		}
		if string(out) == string(st.data) {
			return nil
		}
		o := owner{uid: st.uid, gid: st.gid, name: displayOwner("", st.uid, st.gid)}
		p.editText(it.Step, target, st, st.perm, o, "remove our block", remove, out)
	default:
		return Errorf(KindFailed, "receipt item %s has unknown kind %q", it.Path, it.Kind)
	}
	return nil
}

// undoFile plans the removal of a file the installer wrote, or puts back
// the file it replaced; a file changed since is left alone. A LaunchDaemon
// is booted out first (live).
func (p *planner) undoFile(it Item) error {
	fsys := p.fsFor(it.Path)
	st, err := observeFile(fsys, it.Path)
	if err != nil {
		p.note("%s: %v; left alone", it.Path, err)
		return nil
	}
	if !st.exists {
		return nil
	}
	if it.SHA256 != "" && it.SHA256 != sha(st.data) {
		p.note("%s was changed since install; left alone", it.Path)
		return nil
	}
	if it.Label != "" {
		p.bootout(it.Step, it.Label, it.Path)
	}
	chown := p.env.applyOwnership()
	if it.Existed {
		prev := fileState{exists: true, data: it.PreviousData, perm: fs.FileMode(it.PreviousMode).Perm(), uid: it.PreviousUID, gid: it.PreviousGID}
		p.add(Op{Step: it.Step, Action: "restore", Path: it.Path, Detail: "the file install replaced",
			Do:   func() error { return prev.restore(fsys, it.Path, chown) },
			Undo: func() error { return st.restore(fsys, it.Path, chown) },
		})
		return nil
	}
	p.add(Op{Step: it.Step, Action: "remove", Path: it.Path,
		Do:   func() error { return fsys.Remove(it.Path) },
		Undo: func() error { return st.restore(fsys, it.Path, chown) },
	})
	return nil
}

// rmdirIfEmpty plans the removal of dir when it is empty at apply time:
// a dir someone has since put files in is kept. Undo recreates it with the
// mode and owner it had.
func (p *planner) rmdirIfEmpty(step, dir string) {
	fsys := p.fsFor(dir)
	chown := p.env.applyOwnership()
	removed := false
	var perm fs.FileMode
	uid, gid := -1, -1
	p.add(Op{Step: step, Action: "rmdir", Path: dir, Detail: "if empty",
		Do: func() error {
			removed = false
			fi, err := fsys.Lstat(dir)
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			if !fi.IsDir() {
				return nil
			}
			ents, err := fsys.ReadDir(dir)
			if err != nil || len(ents) > 0 {
				return err
			}
			perm = fi.Mode() & (fs.ModePerm | fs.ModeSticky)
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				uid, gid = int(st.Uid), int(st.Gid)
			}
			if err := fsys.Remove(dir); err != nil {
				return err
			}
			removed = true
			return nil
		},
		Undo: func() error {
			if !removed {
				return nil
			}
			if err := fsys.Mkdir(dir, perm); err != nil {
				return err
			}
			if chown && uid >= 0 {
				return fsys.Lchown(dir, uid, gid)
			}
			return nil
		},
	})
}
