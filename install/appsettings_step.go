// Step app-settings (docs/contract.md §4 step 10, §14): the app's own
// per-user settings store agrees with what this run installed, so the
// app's first launch asks no admin password.
//
// SECURITY: root runs this step and writes in the user's home. Every path
// goes through the home's strict sub-root (a link leading out of the home
// is refused, never followed), what root writes there is owned by the
// user, and the store is edited member by member: what the user or the
// app keeps in it (proxy passwords included) is never rewritten.

package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/macfleet/installer/install/appsettings"
	"github.com/macfleet/installer/install/users"
)

// appSkip is the state of an app-settings step the OS refused at apply
// time (EPERM or EACCES: macOS's protection of app group containers):
// the step's remaining ops do nothing, what it did is undone, and the
// profile keeps the receipt it had for the step.
type appSkip struct {
	on      bool
	warning string
	undo    []func() error
}

// appWant is what this run installed, as the store's wanted values see it.
func (p *planner) appWant() appsettings.Want {
	v := p.appInfo().Version()
	return appsettings.Want{
		CLILocation: p.opts.CLILocation, DockerSocket: p.opts.DockerSocket, PrivilegedPorts: p.opts.PrivilegedPorts,
		SetVmnetd: !v.Known() || p.opts.Product.HasOwnHelper(v),
	}
}

// readsStore says the app reads settings-store.json (4.35 and later, or
// of unknown version) rather than settings.json.
func (p *planner) readsStore() bool { return p.appInfo().Version().AtLeast("4.35") }

// appStoreFiles are the group container and the two store files of u.
func (p *planner) appStoreFiles(u users.User) (dir, store, legacy string) {
	d := p.opts.Product
	dir = path.Join(u.Home, d.GroupContainerDir())
	return dir, path.Join(dir, d.SettingsStore), path.Join(dir, d.LegacySettings)
}

// planAppSettings is step app-settings of install.
func (p *planner) planAppSettings(u users.User) error {
	if !p.opts.AppSettings {
		return nil
	}
	return p.planAppValues(StepAppSettings, u, appsettings.Wanted(p.appWant()))
}

// planAppValues sets want in whichever store file exists (both when both
// do), else in the one the app's version reads.
func (p *planner) planAppValues(step string, u users.User, want []appsettings.Value) error {
	if p.opts.Product.GroupContainer == "" {
		return nil
	}
	dir, store, legacy := p.appStoreFiles(u)
	refuse := func(err error) error {
		return Errorf(KindUnsafe, "%v; the app's own settings were not set: move it aside, or pass --no-app-settings to leave them alone", err)
	}
	var st [2]fileState
	for i, f := range []string{store, legacy} {
		if _, err := p.fsFor(f).Resolve(f); errors.Is(err, fs.ErrPermission) {
			p.skipAppStep(f, err)
			return nil
		}
		if err := p.checkInHome(u, f); err != nil {
			return refuse(err)
		}
		s, err := observeFile(p.fsFor(f), f)
		if errors.Is(err, fs.ErrPermission) {
			p.skipAppStep(f, err)
			return nil
		}
		if err != nil {
			return refuse(err)
		}
		st[i] = s
	}
	setStore, setLegacy := appsettings.Files(st[0].exists, st[1].exists, p.readsStore())
	n := len(p.ops)
	if setStore {
		if err := p.planAppFile(step, u, dir, store, st[0], false, want); err != nil {
			return err
		}
	}
	if setLegacy {
		if err := p.planAppFile(step, u, dir, legacy, st[1], true, want); err != nil {
			return err
		}
	}
	p.tolerateOSRefusal(n, refusalWarning)
	return nil
}

// skipAppStep skips the step when the OS refuses to let root read the
// store (macOS's protection of app group containers, or a status run by
// someone the home is closed to): a one-line warning, and the receipt
// keeps what earlier runs recorded for the step.
func (p *planner) skipAppStep(file string, err error) {
	p.warn("%s", refusalWarning(file, err))
	if p.old == nil {
		return
	}
	for _, it := range p.old.Receipt {
		if it.Step == StepAppSettings && !p.hasItem(it.Kind, it.Path) {
			p.receipt = append(p.receipt, it)
		}
	}
}

// refusalWarning is the one-line warning of a store the OS refused.
func refusalWarning(file string, err error) string {
	return fmt.Sprintf("the OS refused access to %s (%v): the app's own settings were not set; on macOS 15+ give the MDM agent Full Disk Access (a Privacy Preferences Policy Control payload, SystemPolicyAllFiles) and rerun, or pass --no-app-settings", file, rootErr(err))
}

// undoRefusalWarning is refusalWarning for uninstall, which leaves the
// keys as install set them.
func undoRefusalWarning(file string, err error) string {
	return fmt.Sprintf("the OS refused access to %s (%v): the app's own settings are left as install set them; on macOS 15+ give the MDM agent Full Disk Access (a Privacy Preferences Policy Control payload, SystemPolicyAllFiles) to have uninstall restore them", file, rootErr(err))
}

// rootErr is the innermost error (EPERM, EACCES), for a short message.
func rootErr(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// planAppFile plans the member-level edit of one store file.
func (p *planner) planAppFile(step string, u users.User, dir, file string, st fileState, legacy bool, want []appsettings.Value) error {
	out, err := appsettings.Edit(st.data, legacy, want)
	if err != nil {
		p.warn("%s is %v: left as it is, so the app's own settings were not set; fix or remove it and rerun", file, err)
		if it, ok := p.priorAppItem(file); ok {
			p.receipt = append(p.receipt, it)
		}
		return nil
	}
	it, ok := p.priorAppItem(file)
	if !ok {
		it = Item{Kind: "app-settings", Path: file, Home: u.Home, Created: !st.exists}
	}
	it.Step, it.Home = step, u.Home
	it.AppKeys = mergeAppKeys(it.AppKeys, appsettings.Observe(st.data, legacy, want))
	// The dirs an earlier run made stay in the receipt; missing ones are
	// made the user's 0700.
	if err := p.ensureDir(step, dir, userOwner(u), 0o700); err != nil {
		return err
	}
	// ensureDir puts back the owner and mode of the group container when
	// it is ours; its parents, when ours, too (a run killed between a
	// mkdir and its chown leaves a root-owned ~/Library).
	for d := path.Dir(dir); d != u.Home && under(d, u.Home); d = path.Dir(d) {
		if _, ours := p.oldItem("dir", d); ours && !p.fixedDirs[d] {
			if p.fixedDirs == nil {
				p.fixedDirs = map[string]bool{}
			}
			p.fixedDirs[d] = true
			p.fixOwnerMode(step, d, userOwner(u), 0o700)
		}
	}
	p.receipt = append(p.receipt, it)
	if st.exists && bytes.Equal(out, st.data) {
		return nil
	}
	detail := "new settings store"
	if st.exists {
		detail = joinDrift(appsettings.Drift(st.data, legacy, want))
	}
	edit := func(cur []byte) []byte {
		if b, err := appsettings.Edit(cur, legacy, want); err == nil {
			return b
		}
		return cur // made invalid meanwhile: left as it is
	}
	p.editText(step, file, st, fileModeOr(st, 0o644), userOwner(u), detail, edit, out)
	return nil
}

func joinDrift(d []string) string {
	out := ""
	for i, s := range d {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}

// priorAppItem is the receipt item an earlier run (or, through the setup
// handover, user mode) made for file: its records of what each key held
// before are kept.
func (p *planner) priorAppItem(file string) (Item, bool) {
	if it, ok := p.oldItem("app-settings", file); ok {
		return it, true
	}
	it, ok := p.adoptedApp[file]
	return it, ok
}

// mergeAppKeys keeps each key's record of an earlier run (what it held
// before the first install that set it) with this run's value, and adds
// records for keys set for the first time.
func mergeAppKeys(old []AppKey, now []appsettings.Record) []AppKey {
	out := append([]AppKey{}, old...)
	for _, r := range now {
		found := false
		for i := range out {
			if out[i].Key == r.Key {
				out[i].Value, found = r.Value, true
			}
		}
		if !found {
			out = append(out, AppKey{Key: r.Key, Had: r.Had, Previous: r.Previous, Value: r.Value})
		}
	}
	return out
}

func appRecords(keys []AppKey) []appsettings.Record {
	out := make([]appsettings.Record, len(keys))
	for i, k := range keys {
		out[i] = appsettings.Record{Key: k.Key, Had: k.Had, Previous: k.Previous, Value: k.Value}
	}
	return out
}

// tolerateOSRefusal makes the ops planned from n on skip the whole step,
// undoing what they did, when the OS refuses one with EPERM or EACCES
// (macOS 15+ protects app group containers from processes without Full
// Disk Access, root included): a one-line warning, and the rest of the
// install goes on.
func (p *planner) tolerateOSRefusal(n int, warning func(file string, err error) string) {
	if len(p.ops) == n {
		return
	}
	if p.appSkip == nil {
		p.appSkip = &appSkip{}
	}
	s := p.appSkip
	for i := n; i < len(p.ops); i++ {
		op := &p.ops[i]
		do, undo, at := op.Do, op.Undo, op.Path
		ran := false
		op.Do = func() error {
			ran = false
			if s.on {
				return nil
			}
			err := do()
			if err != nil && errors.Is(err, fs.ErrPermission) {
				s.on = true
				s.warning = warning(at, err)
				for j := len(s.undo) - 1; j >= 0; j-- {
					_ = s.undo[j]()
				}
				s.undo = nil
				return nil
			}
			if err == nil {
				ran = true
				if undo != nil {
					s.undo = append(s.undo, undo)
				}
			}
			return err
		}
		op.Undo = func() error {
			if !ran || s.on || undo == nil {
				return nil
			}
			return undo()
		}
	}
}

// receiptSkippingApp is this run's receipt as it stands when the OS
// refused the app-settings step: that step's items as the old receipt had
// them.
func (p *planner) receiptSkippingApp() []Item {
	var out []Item
	for _, it := range p.receipt {
		if it.Step != StepAppSettings {
			out = append(out, it)
		}
	}
	if p.old != nil {
		for _, it := range p.old.Receipt {
			if it.Step == StepAppSettings {
				out = append(out, it)
			}
		}
	}
	return canonical(out)
}

// undoAppSettings puts back each key of an "app-settings" item that still
// holds the value install wrote; a file install created is removed once
// nothing else is in it. A file that is no longer a JSON object, or that
// cannot be reached safely, is left alone with a note.
func (p *planner) undoAppSettings(it Item) error {
	fsys := p.fsFor(it.Path)
	if _, err := fsys.Resolve(it.Path); err != nil {
		p.note("%s cannot be resolved safely (%v); left alone", it.Path, err)
		return nil
	}
	st, err := observeFile(fsys, it.Path)
	if err != nil {
		p.note("%s: %v; left alone", it.Path, err)
		return nil
	}
	if !st.exists {
		return nil
	}
	recs := appRecords(it.AppKeys)
	out, empty, err := appsettings.Restore(st.data, recs)
	if err != nil {
		p.note("%s is %v; the app's settings were left alone", it.Path, err)
		return nil
	}
	if empty && it.Created {
		data := st.data
		p.add(Op{Step: it.Step, Action: "remove", Path: it.Path, Detail: "created by install",
			Do:   func() error { return removeIfUnchanged(fsys, it.Path, data) },
			Undo: func() error { return st.restore(fsys, it.Path, p.env.applyOwnership()) },
		})
		return nil
	}
	if bytes.Equal(out, st.data) {
		return nil
	}
	o := owner{uid: st.uid, gid: st.gid, name: displayOwner("", st.uid, st.gid)}
	if p.old != nil && p.env.applyOwnership() && p.old.UID > 0 {
		o = owner{uid: p.old.UID, gid: p.old.GID, name: displayOwner(p.old.User, p.old.UID, p.old.GID)}
	}
	restore := func(cur []byte) []byte {
		b, _, err := appsettings.Restore(cur, recs)
		if err != nil {
			return cur
		}
		return b
	}
	p.editText(it.Step, it.Path, st, st.perm, o, "the app's settings as they were", restore, out)
	return nil
}

// warn records a warning of the run: logged, and listed under warnings in
// --json.
func (p *planner) warn(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}
