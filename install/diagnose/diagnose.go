package diagnose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/macfleet/installer/helper"
	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/launchd"
	"github.com/macfleet/installer/install/product"
)

// Time and size limits of the sources.
const (
	LaunchctlTimeout = 3 * time.Second
	HelperTimeout    = 2 * time.Second
	LogLines         = 1000
	logLimit         = 1 << 20
	hostsLimit       = 4 << 20
)

// Config is what a run needs. Env holds the root (FS, Live, Euid, Now)
// and, live, the launchd Runner (nil: none, and why in LaunchdErr).
type Config struct {
	Env        *install.Env
	LaunchdErr error
	Product    product.Descriptor
	// RootDir is the host directory of the root (for the manifest and the
	// helper's socket).
	RootDir string
	// Version is what `installer version` prints.
	Version string
	// StatusJSON shapes a status report as `installer status --json` does.
	StatusJSON func(*install.StatusReport) any
	// Helper talks to the product's vmnetd.
	Helper helper.Client
	// Trace adds a performance trace of TraceSeconds (0: the default).
	Trace        bool
	TraceSeconds int
	// RootTrace takes the trace when running as root (nil:
	// helper.PlatformTrace of the app bundle).
	RootTrace helper.TraceFunc
	// Who collects, for the manifest.
	UID, GID int
	Host     string
}

// Manifest is manifest.json, the bundle's first file.
type Manifest struct {
	Format       int         `json:"format"`
	Product      string      `json:"product"`
	CollectedAt  time.Time   `json:"collectedAt"`
	UID          int         `json:"uid"`
	GID          int         `json:"gid"`
	EUID         int         `json:"euid"`
	Host         string      `json:"host"`
	Root         string      `json:"root"`
	Live         bool        `json:"live"`
	Version      string      `json:"installerVersion"`
	Installed    bool        `json:"installed"`
	Redaction    []string    `json:"redaction"`
	Files        []FileEntry `json:"files"`
	NotCollected []Missing   `json:"notCollected"`
}

// redactionRules tells the reader what was masked (and so what is not
// missing by accident).
var redactionRules = []string{
	"passwords in URLs (scheme://user:" + Mask + "@host)",
	"the policy signing key (its sha256 fingerprint is kept)",
	"admin-settings values under keys that name a secret (password, token, secret, key, credential, auth…)",
	"values after password=/token:/secret= and the like, Authorization headers, plist values under secret-looking keys",
	"every secret value found above, wherever else it appears (raw, XML-, JSON- or URL-escaped)",
}

// Bundle is a collected, redacted bundle, ready to write.
type Bundle struct {
	Manifest Manifest
	Files    []File
}

// Run collects the bundle. It does not fail: a source that cannot be
// collected is in the manifest's notCollected list, with why.
func Run(ctx context.Context, cfg Config) *Bundle {
	env := *cfg.Env
	d := cfg.Product
	var runner *boundedRunner
	if env.Live && env.Launchd != nil {
		runner = &boundedRunner{r: env.Launchd, timeout: LaunchctlTimeout}
		env.Launchd = runner
	}
	red := NewRedactor()
	prof, profErr := readProfile(&env, d)
	if prof != nil {
		red.learnProfile(prof)
	}
	settings := readSettings(&env, d, red)
	for name, data := range readAppStores(&env, d, prof) {
		red.RedactJSON(data)
		red.LearnURLs(string(data))
		settings["app/"+name] = data
	}

	c := &collector{cfg: cfg, env: &env, runner: runner, red: red, prof: prof, profErr: profErr, settings: settings}
	sources := c.sources()
	results := collect(ctx, sources)

	m := Manifest{
		Format: 1, Product: d.Name, CollectedAt: env.Now().UTC(), UID: cfg.UID, GID: cfg.GID, EUID: env.Euid,
		Host: cfg.Host, Root: cfg.RootDir, Live: env.Live, Version: env.Version, Installed: prof != nil,
		Redaction: redactionRules, Files: []FileEntry{}, NotCollected: []Missing{},
	}
	b := &Bundle{}
	for i, src := range sources {
		r := results[i]
		ms := r.elapsed.Milliseconds()
		if r.err != nil {
			m.NotCollected = append(m.NotCollected, Missing{Name: src.File, Source: src.What, Kind: kindOf(r.err),
				Reason: red.RedactString(reason(r.err, env.Euid)), ElapsedMS: ms})
			continue
		}
		data, n := red.Redact(r.data)
		b.Files = append(b.Files, File{Name: src.File, Data: data})
		m.Files = append(m.Files, FileEntry{Name: src.File, Source: src.What, Size: len(data), SHA256: sha256Hex(data),
			Truncated: r.truncated, Redactions: n, ElapsedMS: ms})
	}
	b.Manifest = m
	return b
}

// reason words an error for the manifest, with what to do where a person
// can act.
func reason(err error, euid int) string {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	var skip *Skip
	if !errors.As(err, &skip) && errors.Is(err, fs.ErrPermission) && euid != 0 {
		msg += "; run as root (sudo installer diagnose) to include it"
	}
	return msg
}

// readProfile reads the profile (nil when there is none).
func readProfile(env *install.Env, d product.Descriptor) (*install.Profile, error) {
	p, _, err := install.ReadProfile(env.FS, d.ProfilePath())
	return p, err
}

// settingsFiles are the vendor settings in the app support dir (docs/contract.md §4
// step 9).
var settingsFiles = []string{"admin-settings.json", "install-settings.json", "registry.json"}

// readSettings reads the settings files and learns their secrets before
// anything is redacted.
func readSettings(env *install.Env, d product.Descriptor, red *Redactor) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range settingsFiles {
		data, _, err := readHead(env.FS, path.Join(d.AppSupportDir, name), DefaultLimit)
		if err != nil {
			continue
		}
		out[name] = data
		if name == "admin-settings.json" {
			red.RedactJSON(data)
		} else {
			red.LearnURLs(string(data))
		}
	}
	return out
}

// readAppStores reads the app's own settings store files in the profile
// user's home (docs/contract.md §14), through the home's strict root.
func readAppStores(env *install.Env, d product.Descriptor, prof *install.Profile) map[string][]byte {
	out := map[string][]byte{}
	if prof == nil || d.GroupContainer == "" {
		return out
	}
	home, err := env.FS.Sub(prof.Home) // strict: no link leads out of it
	if err != nil {
		return out
	}
	for _, name := range []string{d.SettingsStore, d.LegacySettings} {
		if data, _, err := readHead(home, path.Join("/", d.GroupContainerDir(), name), DefaultLimit); err == nil {
			out[name] = data
		}
	}
	return out
}

type collector struct {
	cfg      Config
	env      *install.Env
	runner   *boundedRunner
	red      *Redactor
	prof     *install.Profile
	profErr  error
	settings map[string][]byte
}

func text(s string) ([]byte, bool, error) { return []byte(s), false, nil }

func jsonOf(v any) ([]byte, bool, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), false, err
}

// failure is an error classified as "failed" whatever it wraps.
type failure struct{ error }

var errNotInstalled = &Skip{Kind: "not-installed", Reason: "nothing is installed: there is no profile"}

// sources are the bundle's files, in the order they are written.
func (c *collector) sources() []*Source {
	d := c.cfg.Product
	fsys := c.env.FS
	srcs := []*Source{
		{File: "version.txt", What: "installer version", Collect: func(context.Context) ([]byte, bool, error) {
			return text(c.cfg.Version)
		}},
		{File: "profile.plist", What: "profile " + d.ProfilePath() + " (re-encoded, secrets masked)", Collect: c.profile},
		{File: "status.json", What: "installer status --json", Collect: c.status},
		{File: "receipt.json", What: "receipt check: every recorded path present, changed or missing", Collect: func(context.Context) ([]byte, bool, error) {
			if c.prof == nil {
				return nil, false, c.noProfile()
			}
			return jsonOf(CheckReceipt(fsys, c.prof, d.Name))
		}},
		{File: "hosts", What: "/etc/hosts", Limit: hostsLimit, Collect: func(context.Context) ([]byte, bool, error) {
			return readHead(fsys, "/etc/hosts", hostsLimit)
		}},
	}
	for _, name := range settingsFiles {
		p := path.Join(d.AppSupportDir, name)
		srcs = append(srcs, &Source{File: "settings/" + name, What: p, Collect: func(context.Context) ([]byte, bool, error) {
			data, ok := c.settings[name]
			if !ok {
				_, _, err := readHead(fsys, p, 1)
				if err == nil {
					err = errors.New("could not be read")
				}
				return nil, false, err
			}
			if name == "admin-settings.json" {
				if out, ok := c.red.RedactJSON(data); ok {
					return out, false, nil
				}
			}
			return data, false, nil
		}})
	}
	if c.prof != nil && d.GroupContainer != "" {
		for _, name := range []string{d.SettingsStore, d.LegacySettings} {
			p := path.Join(c.prof.Home, d.GroupContainerDir(), name)
			srcs = append(srcs, &Source{File: "app-settings/" + name, What: p + " (the app's own settings, secrets masked)", Collect: func(context.Context) ([]byte, bool, error) {
				data, ok := c.settings["app/"+name]
				if !ok {
					return nil, false, &Skip{Kind: "missing", Reason: "no such file (or not readable by this user)"}
				}
				if out, ok := c.red.RedactJSON(data); ok {
					return out, false, nil
				}
				return data, false, nil
			}})
		}
	}
	for _, job := range c.jobs() {
		srcs = append(srcs, &Source{File: "launchd/" + job.label + ".plist", What: job.plist, Collect: func(context.Context) ([]byte, bool, error) {
			return readHead(fsys, job.plist, DefaultLimit)
		}})
	}
	for _, job := range c.jobs() {
		srcs = append(srcs, &Source{File: "launchctl/" + job.label + ".txt", What: "launchctl print system/" + job.label,
			Timeout: LaunchctlTimeout + time.Second, Collect: func(context.Context) ([]byte, bool, error) { return c.launchctl(job.label) }})
	}
	srcs = append(srcs,
		&Source{File: "helper-version.json", What: "vmnetd version (asked on " + c.cfg.Helper.Socket + ")", Timeout: HelperTimeout + time.Second, Collect: c.helperVersion},
		&Source{File: "installer.log", What: fmt.Sprintf("last %d lines of %s", LogLines, d.LogPath()), Limit: logLimit, Collect: func(context.Context) ([]byte, bool, error) {
			return readTail(fsys, d.LogPath(), LogLines, logLimit)
		}},
	)
	if c.cfg.Trace {
		secs := c.cfg.TraceSeconds
		if secs <= 0 {
			secs = helper.DefaultTraceSeconds
		}
		srcs = append(srcs, &Source{File: "trace/spindump.txt", What: fmt.Sprintf("performance trace: spindump for %d s", secs),
			Timeout: time.Duration(secs)*time.Second + helper.TraceGrace + 15*time.Second, Limit: helper.MaxTraceSize,
			Collect: func(ctx context.Context) ([]byte, bool, error) { return c.trace(ctx, secs) }})
	}
	return srcs
}

func (c *collector) noProfile() error {
	if c.profErr != nil {
		return c.profErr
	}
	return errNotInstalled
}

func (c *collector) profile(context.Context) ([]byte, bool, error) {
	if c.prof == nil {
		p := c.cfg.Product.ProfilePath()
		if fi, err := c.env.FS.Lstat(p); c.profErr != nil && err == nil && fi.Mode().IsRegular() {
			// A file that does not decode: show it, patterns redacted. (A
			// link is never followed: it may lead anywhere.)
			if data, cut, err := readHead(c.env.FS, p, DefaultLimit); err == nil {
				return data, cut, nil
			}
		}
		return nil, false, c.noProfile()
	}
	out, err := c.red.redactedProfile(*c.prof)
	return out, false, err
}

func (c *collector) status(ctx context.Context) ([]byte, bool, error) {
	rep, err := install.Status(c.env, c.cfg.Product)
	if err != nil {
		return nil, false, err
	}
	if rep.Installed && rep.PrivilegedPorts && c.env.Live {
		// Live, the helper must also answer (as `installer status` checks).
		hc := c.cfg.Helper
		hc.Timeout = HelperTimeout
		if install.AppsOwnHelper(c.env.FS, c.cfg.Product) {
			// The app's own helper knows only the VMN3T hello.
			if _, err := hc.Hello(ctx); err != nil {
				rep.MarkDrift("helper", "the app's helper does not answer: "+strings.Join(strings.Fields(err.Error()), " "))
			}
		} else if _, err := hc.Version(ctx); err != nil {
			rep.MarkDrift("helper", "vmnetd does not answer: "+strings.Join(strings.Fields(err.Error()), " "))
		}
	}
	var v any = rep
	if c.cfg.StatusJSON != nil {
		v = c.cfg.StatusJSON(rep)
	}
	return jsonOf(v)
}

type job struct{ label, plist string }

// jobs are our LaunchDaemons: the product's two, and any other the
// receipt records.
func (c *collector) jobs() []job {
	d := c.cfg.Product
	seen := map[string]string{d.BootTaskLabel: d.BootTaskPlist(), d.HelperLabel: d.HelperPlist()}
	if c.prof != nil {
		for _, it := range c.prof.Receipt {
			if it.Kind == "file" && it.Label != "" && seen[it.Label] == "" && !strings.ContainsAny(it.Label, "/\x00") {
				seen[it.Label] = it.Path
			}
		}
	}
	var out []job
	for l, p := range seen {
		out = append(out, job{l, p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].label < out[j].label })
	return out
}

func (c *collector) launchctl(label string) ([]byte, bool, error) {
	switch {
	case !c.env.Live:
		return nil, false, &Skip{Kind: "not-applicable", Reason: "offline root: launchd is not asked about an image (its jobs start at its next boot)"}
	case c.runner == nil:
		why := "no launchd runner"
		if c.cfg.LaunchdErr != nil {
			why = c.cfg.LaunchdErr.Error()
		}
		return nil, false, &Skip{Kind: "not-applicable", Reason: why}
	}
	out, err := c.runner.Print(label)
	if errors.Is(err, launchd.ErrNotLoaded) {
		return text(fmt.Sprintf("system/%s: not loaded (launchd does not know the job)\n", label))
	}
	if err != nil {
		return nil, false, err
	}
	return text(out + "\n")
}

func (c *collector) helperInstalled() bool {
	if c.prof != nil && c.prof.PrivilegedPorts {
		return true
	}
	_, err := os.Lstat(c.cfg.Helper.Socket)
	return err == nil
}

func (c *collector) helperVersion(ctx context.Context) ([]byte, bool, error) {
	if !c.helperInstalled() {
		return nil, false, &Skip{Kind: "not-installed", Reason: "vmnetd is not installed (the profile has PrivilegedPorts off) and its socket is absent"}
	}
	hc := c.cfg.Helper
	hc.Timeout = HelperTimeout
	v, err := hc.Version(ctx)
	if err != nil {
		return nil, false, failure{err} // a dial's ENOENT is not a missing file
	}
	return jsonOf(v)
}

// trace takes a spindump: as root directly, otherwise through vmnetd,
// which takes it as root for the profile's user.
func (c *collector) trace(ctx context.Context, secs int) ([]byte, bool, error) {
	if c.env.Euid == 0 {
		run := c.cfg.RootTrace
		if run == nil {
			run = helper.PlatformTrace(c.cfg.Product.AppBundle)
		}
		f, err := helper.TakeTrace(ctx, run, "", secs)
		if err != nil {
			return nil, false, err
		}
		defer f.Close()
		return helper.ReadTrace(f)
	}
	if !c.helperInstalled() {
		return nil, false, &Skip{Kind: "needs-root", Reason: "spindump needs root: run sudo installer diagnose --trace, or install with --privileged-ports so that vmnetd can take the trace for the profile's user"}
	}
	f, _, err := c.cfg.Helper.Trace(ctx, secs)
	if err != nil {
		return nil, false, &Skip{Kind: "needs-root", Reason: "spindump needs root, and vmnetd could not take the trace: " + strings.Join(strings.Fields(err.Error()), " ")}
	}
	defer f.Close()
	return helper.ReadTrace(f)
}
