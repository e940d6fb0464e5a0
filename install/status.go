package install

import (
	"fmt"
	"syscall"

	"github.com/macfleet/installer/install/appsettings"
	"github.com/macfleet/installer/install/launchd"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/users"
)

// Component is one line of `status`: a step of the install and whether
// the machine still matches what the profile says it was set up with.
type Component struct {
	Name   string   `json:"name"`
	OK     bool     `json:"ok"`
	Drift  []string `json:"drift,omitempty"`
	Detail string   `json:"detail,omitempty"`
}

// StatusReport compares the machine with its profile.
type StatusReport struct {
	Installed bool   `json:"installed"`
	User      string `json:"user,omitempty"`
	Mode      string `json:"mode,omitempty"` // "user": set up by the user alone (installer setup)
	// Offline is set for a root that is not the running system: its jobs
	// start at its next boot, so nothing there is running.
	Offline bool `json:"offline,omitempty"`
	// PrivilegedPorts says the profile has the helper installed.
	PrivilegedPorts bool        `json:"privilegedPorts,omitempty"`
	Components      []Component `json:"components"`
	// AppVersion is the app's version ("unknown" when its Info.plist has
	// none); FirstLaunch whether it asks for an admin password when it
	// starts, and why (docs/contract.md §14).
	AppVersion  string               `json:"appVersion,omitempty"`
	FirstLaunch *appsettings.Verdict `json:"firstLaunch,omitempty"`
	Notes       []string             `json:"notes,omitempty"`
}

// Healthy reports whether every component matches.
func (r *StatusReport) Healthy() bool {
	for _, c := range r.Components {
		if !c.OK {
			return false
		}
	}
	return r.Installed
}

// OptionsFromProfile is the wanted state a profile records.
func OptionsFromProfile(p *Profile, d product.Descriptor) Options {
	return Options{
		Product: d, User: p.User, CLILocation: p.CLILocation, PathEdit: p.PathEdit,
		DockerSocket: p.DockerSocket, PrivilegedPorts: p.PrivilegedPorts, Kubernetes: p.Kubernetes, AppSettings: p.AppSettings,
		Settings: p.Settings, PolicyKey: p.PolicyKey, HelperSHA256: p.HelperSHA256, DryRun: true,
	}
}

// Status plans an install of exactly what the profile records, without
// privilege and without changing anything: every operation that plan
// would perform is drift. The user comes from the profile, not from the
// user database, which an unprivileged caller may not be able to read.
func Status(env *Env, d product.Descriptor) (*StatusReport, error) {
	prof, profBytes, err := ReadProfile(env.FS, d.ProfilePath())
	if err != nil {
		return nil, withKind(KindFailed, err)
	}
	if prof == nil {
		return &StatusReport{Components: []Component{}}, nil
	}
	rep := &StatusReport{Installed: true, User: prof.User, PrivilegedPorts: prof.PrivilegedPorts, Offline: !env.Live}
	opts := OptionsFromProfile(prof, d)
	if err := checkProduct(env, opts); err != nil {
		rep.Components = append(rep.Components, Component{Name: "app", Detail: err.Error()})
		return rep, nil
	}
	u := users.User{Name: prof.User, UID: prof.UID, GID: prof.GID, Home: prof.Home}
	// The profile is compared as written by the version that wrote it.
	penv := *env
	penv.Version = prof.InstallerVersion
	penv.recordedApp = &prof.AppVersion
	penv.Euid = 0
	if !prof.OwnershipApplied {
		penv.Euid = env.Euid
	}
	res, err := plan(&penv, opts, u, prof, profBytes)
	if err != nil {
		return nil, err
	}
	rep.Notes = append(res.Notes, res.Warnings...)
	rep.Components = components(CommandStatus, res.Ops)
	rep.firstFew(StepHomeOwnership, 5)
	rep.launchdRefusals(env, prof)
	rep.judgeFirstLaunch(&penv, opts, u)
	return rep, nil
}

// judgeFirstLaunch adds the app's version and its first-launch verdict.
func (r *StatusReport) judgeFirstLaunch(env *Env, opts Options, u users.User) {
	p := &planner{env: env, opts: opts}
	if err := p.openHome(u.Home); err != nil {
		return
	}
	v := p.firstLaunch(u)
	r.AppVersion, r.FirstLaunch = p.appInfo().Version().String(), &v
	if !opts.AppSettings || opts.Product.GroupContainer == "" {
		return
	}
	for i := range r.Components {
		if c := &r.Components[i]; c.Name == StepAppSettings && c.OK {
			if d := p.appSettingsDrift(u); len(d) > 0 {
				c.OK, c.Drift = false, d
			}
		}
	}
}

// launchdRefusals marks as drift each LaunchDaemon of the receipt that
// launchd would refuse to load (an offline install by a non-root user
// leaves them owned by that user): on that Mac the job would never run.
func (r *StatusReport) launchdRefusals(env *Env, prof *Profile) {
	for _, it := range prof.Receipt {
		if it.Kind != "file" || it.Label == "" {
			continue
		}
		fi, err := env.FS.Lstat(it.Path)
		if err != nil {
			continue // missing: the plan already reports it
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		if why := launchd.Refuses(st.Uid, fi.Mode()); why != "" {
			for i := range r.Components {
				if c := &r.Components[i]; c.Name == it.Step {
					c.OK = false
					c.Drift = append(c.Drift, fmt.Sprintf("%s: launchd will refuse: %s; make it root:wheel 0644 (as root: chown root:wheel %q)", it.Path, why, it.Path))
				}
			}
		}
	}
}

// components has one line per step of command's table: OK, or the ops a
// run would perform.
func components(command string, ops []Op) []Component {
	steps := GroupByStep(command, ops)
	out := make([]Component, 0, len(steps))
	for _, st := range steps {
		c := Component{Name: st.ID, OK: len(st.Ops) == 0}
		for _, op := range st.Ops {
			c.Drift = append(c.Drift, op.String())
		}
		out = append(out, c)
	}
	return out
}

// firstFew keeps the first n drift lines of a component (home ownership
// may find thousands of entries) and says how many more there are.
func (r *StatusReport) firstFew(name string, n int) {
	for i := range r.Components {
		if c := &r.Components[i]; c.Name == name && len(c.Drift) > n {
			more := len(c.Drift) - n
			c.Drift = append(c.Drift[:n:n], fmt.Sprintf("and %d more", more))
		}
	}
}

// MarkDrift records that a component found healthy on disk is not healthy
// when run (the helper not answering, say).
func (r *StatusReport) MarkDrift(name, detail string) {
	for i := range r.Components {
		if r.Components[i].Name == name {
			r.Components[i].OK = false
			r.Components[i].Detail = detail
		}
	}
}
