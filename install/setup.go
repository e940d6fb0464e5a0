package install

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/macfleet/installer/install/appsettings"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// User mode (docs/contract.md §5 `setup`, Docker Desktop 4.15–4.17, docs/docker-desktop.md): a user who cannot
// or will not grant admin rights sets the app up for themselves. The same
// planner as install does the work, with every path in the user's home
// and the home opened as a strict root, so nothing outside it can change:
// the CLI links in ~/<user dir>/bin, PATH blocks, the CLI context, and the
// state file that records the decline and the receipt.

// SetupOptions are what `installer setup` is asked for.
type SetupOptions struct {
	Product product.Descriptor
	// User is the caller's account (SetupUser).
	User users.User
	// PathEdit is "shell" or "none".
	PathEdit string
	DryRun   bool
}

func (so SetupOptions) options() Options {
	return Options{Product: so.Product, User: so.User.Name, CLILocation: "user", PathEdit: so.PathEdit, DryRun: so.DryRun}
}

// Setup converges the caller's home to user mode: all ops or none, and
// none outside the home. Run again, it writes nothing.
func Setup(env *Env, so SetupOptions) (*Result, error) {
	if env.Euid == 0 {
		return nil, ErrSetupAsRoot
	}
	if so.PathEdit != "shell" && so.PathEdit != "none" {
		return nil, Errorf(KindUsage, "--path-edit %q: setup takes shell or none (paths.d needs an administrator)", so.PathEdit)
	}
	if err := checkProduct(env, so.options()); err != nil {
		return nil, err
	}
	if prof, _, err := ReadProfile(env.FS, so.Product.ProfilePath()); err == nil && prof != nil && prof.UID == so.User.UID {
		return &Result{Notes: []string{fmt.Sprintf("nothing to do: an administrator has installed %s for %s (see installer status)", so.Product.Name, prof.User)}}, nil
	}
	p, old, oldBytes, err := openSetup(env, so)
	if err != nil {
		return nil, err
	}
	if err := p.planSetup(so.User, old, oldBytes); err != nil {
		return nil, err
	}
	return applyUnlessDry(env, p.result(), so.DryRun)
}

// openSetup makes the planner of a user-mode run: the home opened as a
// strict root and the previous run's receipt, from the state file, as the
// old one.
func openSetup(env *Env, so SetupOptions) (*planner, *SetupState, []byte, error) {
	u := so.User
	p := &planner{env: env, opts: so.options()}
	if err := p.openHome(u.Home); err != nil {
		return nil, nil, nil, Errorf(KindUnsafe, "home %s: %w", u.Home, err)
	}
	sp := statePath(so.Product, u)
	if err := p.checkInHome(u, sp); err != nil {
		return nil, nil, nil, err
	}
	old, items, oldBytes, err := readState(p.fsFor(sp), sp, u)
	if err != nil {
		return nil, nil, nil, Errorf(KindFailed, "%w; remove it and rerun setup", err)
	}
	if old != nil {
		if old.Product != so.Product.Name || old.UID != u.UID {
			return nil, nil, nil, Errorf(KindFailed, "%s belongs to product %q and uid %d, not %q and uid %d; remove it and rerun setup", sp, old.Product, old.UID, so.Product.Name, u.UID)
		}
		p.old = &Profile{User: u.Name, Product: old.Product, Receipt: items}
	}
	return p, old, oldBytes, nil
}

// planSetup plans every step of user mode for u.
func (p *planner) planSetup(u users.User, old *SetupState, oldBytes []byte) error {
	if err := p.checkHomePaths(u); err != nil {
		return err
	}
	for _, step := range []func() error{
		func() error { return p.planLinks(u) },
		func() error { return p.planPath(u) },
		func() error { return p.planContext(u) },
		func() error { return p.planAppValues(StepAppSettings, u, appsettings.UserMode()) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	if err := p.planSetupLeftovers(u); err != nil {
		return err
	}
	if err := p.planState(u, old, oldBytes); err != nil {
		return err
	}
	for _, op := range p.ops {
		if !under(op.Path, u.Home) || op.Path == u.Home {
			return Errorf(KindFailed, "internal error: setup planned %s %s, outside the home %s; nothing was changed", op.Action, op.Path, u.Home)
		}
	}
	return nil
}

// checkHomePaths refuses, before anything is planned, a path setup would
// write that is or goes through a link leading out of the home (docs/contract.md
// §9): a config.json or a contexts dir pointing elsewhere is the user's
// business, but not one to write through.
func (p *planner) checkHomePaths(u users.User) error {
	d := p.opts.Product
	paths := []string{userBinDir(d, u), p.contextMetaFile(u), p.configFile(u), statePath(d, u)}
	if p.opts.PathEdit == "shell" {
		for _, f := range shellFiles {
			paths = append(paths, path.Join(u.Home, f))
		}
		paths = append(paths, path.Join(u.Home, ".config/fish/conf.d", d.Name+".fish"))
	}
	for _, q := range paths {
		if err := p.checkInHome(u, q); err != nil {
			return err
		}
	}
	return nil
}

// checkInHome resolves q through the home's strict root; a link on the
// way that leaves the home is named in the error.
func (p *planner) checkInHome(u users.User, q string) error {
	fsys := p.fsFor(q)
	_, err := fsys.Resolve(q)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, rootfs.ErrEscape):
		return Errorf(KindUnsafe, "refusing to use %s: %v; nothing was changed", q, err)
	}
	for c := u.Home; c != q; {
		c = path.Join(c, strings.SplitN(strings.TrimPrefix(q, c+"/"), "/", 2)[0])
		if t, lerr := fsys.Readlink(c); lerr == nil {
			if _, rerr := fsys.Resolve(c); errors.Is(rerr, rootfs.ErrEscape) {
				return Errorf(KindUnsafe, "refusing to use %s: %s is a link to %s, outside the home %s; move it aside and rerun (nothing was changed)", q, c, t, u.Home)
			}
		}
	}
	return Errorf(KindUnsafe, "refusing to use %s: a link on the way leads out of the home %s; nothing was changed", q, u.Home)
}

// planSetupLeftovers undoes what the previous run made that this one no
// longer wants (PATH blocks after --path-edit=none, a tool gone from the
// app), deepest first.
func (p *planner) planSetupLeftovers(u users.User) error {
	return p.planLeftoversWith(func(it Item) error { return p.undoSetupItem(it, u) })
}

// undoSetupItem plans the removal of one item setup made, as far as it is
// still what setup made. Whoever runs it, what is put back in the home
// belongs to the user.
func (p *planner) undoSetupItem(it Item, u users.User) error {
	switch it.Kind {
	case "current-context":
		return p.undoCurrentContext(it, u)
	case "link":
		fsys := p.fsFor(it.Path)
		got, err := fsys.Readlink(it.Path)
		if err != nil || got != it.Target {
			if err == nil {
				p.note("%s was changed since setup; left alone", it.Path)
			}
			return nil
		}
		if it.Previous != "" {
			p.link(it.Step, it.Path, it.Previous, it.Target, userOwner(u))
			p.ops[len(p.ops)-1].Action = "restore"
			return nil
		}
		p.unlink(it.Step, it.Path, it.Target)
		return nil
	}
	n := len(p.ops)
	err := p.planUndoItem(it)
	for i := n; i < len(p.ops); i++ {
		if p.ops[i].Detail == "created by install" {
			p.ops[i].Detail = "created by setup"
		}
	}
	return err
}

// SetupUninstall removes what setup made (docs/contract.md §5: uninstall after user
// mode leaves the home as it was before setup) and the state file. Run by
// the user; with no state file there is nothing to do.
func SetupUninstall(env *Env, so SetupOptions) (*Result, error) {
	p, old, _, err := openSetup(env, so)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return &Result{}, nil
	}
	// Reported as uninstall reports: the context belongs with the state
	// file to the user-mode profile.
	items := append([]Item{}, p.old.Receipt...)
	for i := range items {
		if items[i].Step == "context" {
			items[i].Step = "profile"
		}
	}
	if err := p.planUndoSetup(so.User, "profile", items, func(Item) bool { return false }); err != nil {
		return nil, err
	}
	return applyUnlessDry(env, &Result{Ops: p.ops, Notes: p.notes}, so.DryRun)
}

// planUndoSetup removes the state file, then every item of setup's
// receipt that keep does not claim, deepest first.
func (p *planner) planUndoSetup(u users.User, stateStep string, receipt []Item, keep func(Item) bool) error {
	if err := p.removeState(stateStep, statePath(p.opts.Product, u)); err != nil {
		return err
	}
	items := canonical(receipt)
	for i := len(items) - 1; i >= 0; i-- {
		if keep(items[i]) {
			continue
		}
		if err := p.undoSetupItem(items[i], u); err != nil {
			return err
		}
	}
	return nil
}

// SetupStatus compares the caller's home with the state file: every op a
// setup with the recorded options would plan is drift. nil when the
// caller has no user-mode state.
func SetupStatus(env *Env, so SetupOptions) (*StatusReport, error) {
	so.DryRun = true
	p, old, oldBytes, err := openSetup(env, so)
	if err != nil || old == nil {
		return nil, err
	}
	rep := &StatusReport{Installed: true, User: so.User.Name, Mode: "user"}
	if err := checkProduct(env, so.options()); err != nil {
		rep.Components = append(rep.Components, Component{Name: "app", Detail: err.Error()})
		return rep, nil
	}
	if prof, _, err := ReadProfile(env.FS, so.Product.ProfilePath()); err == nil && prof != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("an administrator has set this machine up for %s", prof.User))
	}
	// The state is compared as written by the version that wrote it, with
	// the options it records.
	penv := *env
	penv.Version = old.InstallerVersion
	p.env = &penv
	p.opts.PathEdit = old.PathEdit
	if err := p.planSetup(so.User, old, oldBytes); err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, p.notes...)
	rep.Components = components(CommandSetup, p.ops)
	rep.judgeFirstLaunch(p.env, p.opts, so.User)
	return rep, nil
}
