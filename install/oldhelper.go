package install

// planRemoveOldHelper is step 3: a privileged helper left by an earlier
// install of the app (or of this installer) is booted out and deleted, so
// no root daemon runs that the administrator did not ask for. A helper
// this run installs itself is handled by the helper step instead.
func (p *planner) planRemoveOldHelper() error {
	const step = "old-helper"
	d := p.opts.Product
	if p.opts.PrivilegedPorts {
		return nil
	}
	fsys := p.fsFor(d.HelperPlist())
	found := false
	var states []fileState
	for _, f := range []string{d.HelperPlist(), d.HelperBinary()} {
		st, err := observeFile(fsys, f)
		if err != nil {
			return err
		}
		states = append(states, st)
		found = found || st.exists
	}
	if !found {
		return nil
	}
	if _, inReceipt := p.oldItem("file", d.HelperPlist()); inReceipt {
		return nil // ours: removed with the old receipt's leftovers
	}
	p.bootout(step, d.HelperLabel, d.HelperPlist())
	chown := p.env.applyOwnership()
	for i, f := range []string{d.HelperPlist(), d.HelperBinary()} {
		f, st := f, states[i]
		if !st.exists {
			continue
		}
		p.add(Op{Step: step, Action: "remove", Path: f, Detail: "previous helper",
			Do:   func() error { return fsys.Remove(f) },
			Undo: func() error { return st.restore(fsys, f, chown) },
		})
	}
	return nil
}
