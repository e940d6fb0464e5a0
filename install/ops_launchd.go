// launchd operations (live installs only): bootout, enable + bootstrap,
// kickstart. Offline, jobs start at the image's next boot.

package install

import "github.com/macfleet/installer/install/launchd"

// launchctl is the one live guard: launchd's runner on a live install, nil
// offline (or with no runner), where no launchd operation is planned.
func (p *planner) launchctl() launchd.Runner {
	if !p.env.Live {
		return nil
	}
	return p.env.Launchd
}

// bootout plans `launchctl bootout system/<label>` on a live system. A
// job that was loaded is bootstrapped again from plistPath if the run is
// rolled back (by then the plist's old bytes are back in place: the ops
// after this one are undone first).
func (p *planner) bootout(step, label, plistPath string) {
	if p.launchctl() == nil {
		return
	}
	p.add(p.bootoutOp(step, label, plistPath))
}

func (p *planner) bootoutOp(step, label, plistPath string) Op {
	r := p.launchctl()
	op := Op{Step: step, Action: "bootout", Path: "system/" + label, Detail: "launchctl bootout system/" + label,
		Do: func() error { return r.Bootout(label) },
	}
	if plistPath != "" && p.jobLoaded(label) {
		op.Undo = func() error { return r.Rebootstrap(plistPath) }
	}
	return op
}

// bootstrap plans `launchctl bootstrap system <plist>` on a live system,
// with `launchctl enable` first for a disabled label (docs/contract.md §4 step 8);
// after a bootout of the same label in this run, 5 or 37 are retried.
// The ops go to ops, or to p.later for the helper, which must find its
// profile written when it starts.
func (p *planner) bootstrap(step, label, plistPath string, afterBootout bool) {
	r := p.launchctl()
	if r == nil {
		return
	}
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
	r := p.launchctl()
	if r == nil {
		return
	}
	p.later = append(p.later, Op{Step: step, Action: "kickstart", Path: "system/" + label, Detail: "launchctl kickstart -k system/" + label + ": " + why,
		Do: func() error { return r.Kickstart(label) },
	})
}

// jobDisabled asks launchd (live only) whether the label is disabled.
func (p *planner) jobDisabled(label string) bool {
	r := p.launchctl()
	if r == nil {
		return false
	}
	dis, err := r.Disabled(label)
	return err == nil && dis
}

// jobLoaded asks launchd (live only) whether the job is loaded; offline
// jobs start at the image's next boot, so they count as loaded.
func (p *planner) jobLoaded(label string) bool {
	r := p.launchctl()
	if r == nil {
		return true
	}
	_, err := r.Print(label)
	return err == nil
}
