package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"

	"github.com/macfleet/installer/hostsfile"
	"github.com/macfleet/installer/install/rootfs"
)

const hostsPath = "/etc/hosts"

var loopback = netip.MustParseAddr("127.0.0.1")

// wantedHosts are the entries of the hosts step (docs/README.md, step 7).
func wantedHosts(opts Options) []hostsfile.Entry {
	want := []hostsfile.Entry{{IP: loopback, Name: "localhost"}}
	if opts.Kubernetes {
		want = append(want, hostsfile.Entry{IP: loopback, Name: opts.Product.KubernetesName})
	}
	return want
}

// resolveHosts follows a symlinked hosts file to its target inside the root.
func resolveHosts(env *Env) (string, error) {
	target, err := env.FS.Resolve(hostsPath)
	if err != nil {
		return "", Errorf(KindUnsafe, "hosts file %s: %w", hostsPath, err)
	}
	return target, nil
}

// planHosts is step 7. The hosts file may be an ad-blocking list of a
// million lines, so every transition (append or replace our block, drop a
// line of it, disable or re-enable a foreign line) reads it once and scans
// it once (hostsfile.Plan gives the receipt, the log line and the write),
// writes it as pieces of the bytes read, and at apply time re-reads it only
// if its stat changed (see hostsEdit).
func (p *planner) planHosts() error {
	const step = "hosts"
	target, err := resolveHosts(p.env)
	if err != nil {
		return err
	}
	fsys := p.env.FS
	p.removeStaleUndo(step, target)
	st, stamp, stamped, err := observeStamped(fsys, target)
	if err != nil {
		return err
	}
	// This step leaves the file as wanted, our block gone included: the
	// receipt's old hosts item is no leftover to remove a second time.
	p.supersede("hosts", hostsPath)
	name := p.opts.Product.Name
	want := wantedHosts(p.opts)
	e := hostsfile.Plan(st.data, name, want)
	old, inReceipt := p.oldItem("hosts", hostsPath)
	created := !st.exists || (inReceipt && old.Created)
	if e.After.Ours() {
		p.receipt = append(p.receipt, Item{Kind: "hosts", Path: hostsPath, Created: created, Step: step})
	}
	if !e.Changed && st.exists {
		return nil
	}
	if !st.exists && e.Len() == 0 {
		return nil
	}
	perm, o := fs.FileMode(0o644), rootWheel
	detail := "add localhost"
	if st.exists {
		perm, o = st.perm, owner{uid: st.uid, gid: st.gid, name: displayOwner("", st.uid, st.gid)}
		detail = describeHostsEdit(e)
	}
	p.addHostsEdit(step, fsys, target, st, stamp, stamped, e, perm, o, detail,
		func(b []byte) hostsfile.Edit { return hostsfile.Plan(b, name, want) })
	return nil
}

// planHostsRemove is uninstall's hosts item: our block out and the lines
// we disabled back, with the same one read, one scan and streaming write
// as the install.
func (p *planner) planHostsRemove(it Item, fsys rootfs.FS, target string) error {
	p.removeStaleUndo(it.Step, target)
	st, stamp, stamped, err := observeStamped(fsys, target)
	if err != nil || !st.exists {
		return err
	}
	name := p.opts.Product.Name
	e := hostsfile.PlanRemove(st.data, name)
	if !e.Changed {
		return nil
	}
	chown := p.env.applyOwnership()
	if it.Created && e.Len() == 0 {
		// The file holds nothing but our block: a few bytes to keep.
		p.add(Op{Step: it.Step, Action: "remove", Path: target, Detail: "created by install",
			Do:   func() error { return fsys.Remove(target) },
			Undo: func() error { return st.restore(fsys, target, chown) },
		})
		return nil
	}
	o := owner{uid: st.uid, gid: st.gid, name: displayOwner("", st.uid, st.gid)}
	p.addHostsEdit(it.Step, fsys, target, st, stamp, stamped, e, st.perm, o, "remove our block",
		func(b []byte) hostsfile.Edit { return hostsfile.PlanRemove(b, name) })
	return nil
}

// addHostsEdit plans the write of e over the hosts file observed as st.
func (p *planner) addHostsEdit(step string, fsys rootfs.FS, target string, st fileState, s stamp, stamped bool,
	e hostsfile.Edit, perm fs.FileMode, o owner, detail string, replan func([]byte) hostsfile.Edit) {
	h := &hostsEdit{fsys: fsys, target: target, st: st, stamp: s, stamped: stamped, edit: e,
		replan: replan, perm: perm, owner: p.fsOwner(o), chown: p.env.applyOwnership()}
	p.add(Op{Step: step, Action: "edit", Path: target, Owner: o.name, Mode: fmt.Sprintf("%04o", perm), Detail: detail,
		Do: h.do, Undo: h.undo, Commit: h.commit})
}

func describeHostsEdit(e hostsfile.Edit) string {
	return fmt.Sprintf("block entries %d -> %d, disabled lines %d -> %d",
		e.Before.Entries, e.After.Entries, e.Before.Disabled, e.After.Disabled)
}

// editText plans the write of out over the text file (hosts, a shell
// profile) observed as st. If the file changed between planning and
// applying, edit is redone on what is there then, so a concurrent change by
// another tool is not lost.
func (p *planner) editText(step, target string, st fileState, perm fs.FileMode, o owner, detail string, edit func([]byte) []byte, out []byte) {
	fsys := p.fsFor(target)
	fo := p.fsOwner(o)
	chown := p.env.applyOwnership()
	before := st
	p.add(Op{Step: step, Action: "edit", Path: target, Owner: o.name, Mode: fmt.Sprintf("%04o", perm), Detail: detail,
		Do: func() error {
			cur, err := observeFile(fsys, target)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			data := out
			if cur.exists != st.exists || !bytes.Equal(cur.data, st.data) {
				data = edit(cur.data)
				before = cur
			}
			return fsys.WriteFile(target, data, perm, fo)
		},
		Undo: func() error { return before.restore(fsys, target, chown) },
	})
}
