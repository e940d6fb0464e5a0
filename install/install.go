package install

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// Install converges the root to opts (docs/contract.md §4): preflight, then each
// step observes and plans, then all ops are applied or none. A dry run
// stops after planning and needs no privilege.
func Install(env *Env, opts Options) (*Result, error) {
	if !opts.DryRun {
		if err := checkRoot(env, "install"); err != nil {
			return nil, err
		}
	}
	if err := checkProduct(env, opts); err != nil {
		return nil, err
	}
	u, err := lookupUser(env, opts.User)
	if err != nil {
		return nil, err
	}
	if !opts.DryRun {
		l, err := lock(env, opts)
		if err != nil {
			return nil, err
		}
		defer l.Close()
	}
	old, oldBytes, err := ReadProfile(env.FS, opts.Product.ProfilePath())
	if err != nil {
		return nil, withKind(KindFailed, err)
	}
	if old != nil && old.User != u.Name && !opts.Force {
		return nil, Errorf(KindLocked, "this machine is set up for user %q, not %q; uninstall first, or pass --force to move it to %q", old.User, u.Name, u.Name)
	}
	if old != nil && old.Product != opts.Product.Name {
		return nil, Errorf(KindFailed, "profile %s belongs to product %q, not %q", opts.Product.ProfilePath(), old.Product, opts.Product.Name)
	}
	dragged, err := checkTrustedPaths(env, opts, u.UID)
	if err != nil {
		return nil, err
	}
	if !env.applyOwnership() && !opts.DryRun {
		env.log().Warn("not running as root: ownership of created files is not applied (offline install); launchd will refuse LaunchDaemons not owned by root: chown them root:wheel before the image boots",
			zap.Int("euid", env.Euid))
	}
	res, err := plan(env, opts, u, old, oldBytes)
	if err == nil && dragged {
		res.Notes = append(res.Notes, fmt.Sprintf("%s belongs to %s (dragged into /Applications): its tools are linked, but root never runs anything from it; install the app with a pkg or your MDM to make it root's", opts.Product.AppBundle, u.Name))
	}
	if err != nil || opts.DryRun {
		return res, unsafeIfEscape(err, u.Home)
	}
	ops, err := withJournal(env, opts, old, oldBytes, res)
	if err != nil {
		return nil, err
	}
	if err := apply(ops, env.logOp, env.Stop, env.BeforeOp); err != nil {
		return nil, Errorf(KindFailed, "%w", err)
	}
	res.afterApply()
	return res, nil
}

// plan observes the root and plans every step for user u.
func plan(env *Env, opts Options, u users.User, old *Profile, oldBytes []byte) (*Result, error) {
	p := &planner{env: env, opts: opts, old: old, user: u}
	if err := p.openHome(u.Home); err != nil {
		return nil, Errorf(KindUnsafe, "home of %s: %w", u.Name, err)
	}
	// Each phase plans for one step of the step table (steps.go); the
	// hand-over from `installer setup` undoes under several steps and
	// reports its notes with the profile, where its state file goes.
	notes := map[string][]string{}
	for _, phase := range []struct {
		name, step string
		plan       func() error
	}{
		{StepHomeOwnership, StepHomeOwnership, p.planHomeOwnership},
		{StepOldHelper, StepOldHelper, p.planRemoveOldHelper},
		{StepLinks, StepLinks, func() error { return p.planLinks(u) }},
		{StepPath, StepPath, func() error { return p.planPath(u) }},
		{"setup-handover", StepProfile, func() error { return p.planSetupHandover(u) }},
		{StepSocket, StepSocket, func() error { return p.planSocket(u) }},
		{StepHosts, StepHosts, p.planHosts},
		{StepHelper, StepHelper, p.planHelper},
		{StepNewsyslog, StepNewsyslog, p.planNewsyslog},
		{StepSettings, StepSettings, p.planSettings},
		{StepAppSettings, StepAppSettings, func() error { return p.planAppSettings(u) }},
		{"profile-dir", StepProfile, func() error { return p.ensureDir(StepProfile, opts.Product.AppSupportDir, rootWheel, 0o755) }},
	} {
		n := len(p.notes)
		if err := phase.plan(); err != nil {
			env.log().Debug("step "+phase.name+": refused: "+err.Error(), zap.String("step", phase.step))
			return nil, err
		}
		notes[phase.step] = append(notes[phase.step], p.notes[n:]...)
	}
	if err := p.planLeftovers(); err != nil {
		return nil, err
	}
	prof, err := p.planProfile(u, old, oldBytes)
	if err != nil {
		return nil, err
	}
	p.ops = append(p.ops, p.later...)
	// The log has one decision per step of the table, with every op the
	// step will perform (leftovers and restarts included).
	for _, st := range GroupByStep(CommandInstall, p.ops) {
		logDecision(env, st.ID, st.Ops, notes[st.ID])
	}
	res := p.result()
	res.Profile, res.AppVersion = prof, p.appInfo().Version().String()
	return res, nil
}

// unsafeIfEscape classifies a link that leads out of a user's home as an
// unsafe filesystem (exit 9), however deep in a step it was met.
func unsafeIfEscape(err error, home string) error {
	var ee *rootfs.EscapeError
	if errors.As(err, &ee) && KindOf(err) != KindUnsafe {
		return &Error{Kind: KindUnsafe, Err: fmt.Errorf("refusing to follow a link out of the home %s: %s is a link to %s; move the link aside and rerun (nothing was changed)%w",
			home, path.Join(home, ee.Link), ee.Target, quiet{err})}
	}
	if err != nil && errors.Is(err, rootfs.ErrEscape) && KindOf(err) != KindUnsafe {
		return &Error{Kind: KindUnsafe, Err: fmt.Errorf("refusing to follow a link out of the home: %w", err)}
	}
	return err
}

// logOp records an applied op, for people and for the JSON log.
func (e *Env) logOp(op Op) { e.log().Info(op.Action+" "+op.Path, opFields(op)...) }

func opFields(op Op) []zap.Field {
	f := []zap.Field{zap.String("step", op.Step), zap.String("action", op.Action), zap.String("path", op.Path)}
	if op.Target != "" {
		f = append(f, zap.String("target", op.Target))
	}
	if op.Detail != "" {
		f = append(f, zap.String("detail", op.Detail))
	}
	return f
}

// afterApply adds the warnings the ops gave while applied and, when the
// OS refused the app-settings step (s.on), reports that and leaves the
// step's ops, which did nothing or were undone, out of what the run
// changed.
func (r *Result) afterApply() {
	if r.late != nil {
		r.Warnings = append(r.Warnings, *r.late...)
	}
	s := r.appSkip
	if s == nil || !s.on {
		return
	}
	r.Warnings = append(r.Warnings, s.warning)
	kept := r.Ops[:0:0]
	for _, op := range r.Ops {
		if op.Step != StepAppSettings {
			kept = append(kept, op)
		}
	}
	r.Ops = kept
}

// appVersion is the app version the profile records: the app's own, or,
// for status, the one the profile was written with.
func (p *planner) appVersion() string {
	if p.env.recordedApp != nil {
		return *p.env.recordedApp
	}
	return p.appInfo().Version().String()
}

// planProfile plans the profile of docs/contract.md §6 (step 11). It is rewritten
// only when something in it changed; InstalledAt is kept otherwise.
func (p *planner) planProfile(u users.User, old *Profile, oldBytes []byte) (*Profile, error) {
	d := p.opts.Product
	prof := &Profile{
		User: u.Name, UID: u.UID, GID: u.GID, Home: u.Home,
		Product:          d.Name,
		CLILocation:      p.opts.CLILocation,
		PathEdit:         p.opts.PathEdit,
		DockerSocket:     p.opts.DockerSocket,
		PrivilegedPorts:  p.opts.PrivilegedPorts,
		Kubernetes:       p.opts.Kubernetes,
		Settings:         p.opts.Settings,
		AppSettings:      p.opts.AppSettings,
		AppVersion:       p.appVersion(),
		PolicyKey:        p.opts.PolicyKey,
		HelperSHA256:     p.helperSum,
		InstallerVersion: p.env.Version,
		OwnershipApplied: p.env.applyOwnership(),
		Receipt:          canonical(p.receipt),
	}
	if old != nil {
		prof.InstalledAt = old.InstalledAt
	}
	data, err := encodeProfile(prof)
	if err != nil {
		return nil, err
	}
	if old != nil && string(data) == string(oldBytes) {
		return prof, nil
	}
	prof.InstalledAt = p.env.Now().UTC().Truncate(1e9)
	if data, err = encodeProfile(prof); err != nil {
		return nil, err
	}
	st, err := observeFile(p.env.FS, d.ProfilePath())
	if err != nil {
		return nil, err
	}
	n := len(p.ops)
	p.writeFile("profile", "write", d.ProfilePath(), data, 0o644, rootWheel, st, fmt.Sprintf("profile for %s", u.Name))
	if s := p.appSkip; s != nil && len(p.ops) > n {
		// The OS may refuse the app-settings step at apply time: the
		// profile then keeps the receipt it had for that step.
		alt := *prof
		alt.Receipt = p.receiptSkippingApp()
		altData, err := encodeProfile(&alt)
		if err != nil {
			return nil, err
		}
		fsys, fo, do := p.env.FS, p.fsOwner(rootWheel), p.ops[n].Do
		p.ops[n].Do = func() error {
			if s.on {
				return fsys.WriteFile(d.ProfilePath(), altData, 0o644, fo)
			}
			return do()
		}
	}
	return prof, nil
}

// planLeftovers undoes what an earlier run made that this run no longer
// wants (links in the other location, a PATH block, the socket link...):
// every old receipt item not in the new receipt, deepest first.
func (p *planner) planLeftovers() error { return p.planLeftoversWith(p.planUndoItem) }

// planLeftoversWith plans undo for every old receipt item that is not in
// this run's receipt, deepest first.
func (p *planner) planLeftoversWith(undo func(Item) error) error {
	if p.old == nil {
		return nil
	}
	keep := map[string]bool{}
	for _, it := range p.receipt {
		keep[it.Kind+"\x00"+it.Path] = true
	}
	old := canonical(p.old.Receipt)
	for i := len(old) - 1; i >= 0; i-- {
		if k := old[i].Kind + "\x00" + old[i].Path; !keep[k] && !p.superseded[k] {
			if err := undo(old[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// canonical orders a receipt by path (so a dir comes before what is in
// it, and uninstall, going backwards, empties it first), whatever order
// the runs that built it happened in: the same state gives the same
// profile bytes.
func canonical(items []Item) []Item {
	out := append([]Item{}, items...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// logDecision is the --verbose line of one planned step: what it found
// and what it decided.
func logDecision(env *Env, step string, ops []Op, notes []string) {
	msg := "step " + step + ": nothing to change (already as wanted, or not wanted)"
	if len(ops) > 0 {
		parts := make([]string, len(ops))
		for i, op := range ops {
			parts[i] = op.Action + " " + op.Path
			if op.Detail != "" {
				parts[i] += " (" + op.Detail + ")"
			}
		}
		msg = fmt.Sprintf("step %s: differs from the wanted state; plans %d operation(s): %s", step, len(ops), strings.Join(parts, "; "))
	}
	for _, n := range notes {
		msg += "; noted: " + n
	}
	env.log().Debug(msg, zap.String("step", step), zap.Int("ops", len(ops)))
}
