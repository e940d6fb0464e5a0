package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/users"
	"github.com/macfleet/installer/mdm"
)

func installCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:      "install",
		Usage:     "converge this machine (or --root) to the wanted state for --user",
		UsageText: "installer install --user NAME [flags]",
		Flags:     withGlobals(installFlags()...),
		Action:    func(c *cli.Context) error { return runInstall(c, deps, false) },
	}
}

func planCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "list every privileged operation install would perform (install --dry-run)",
		UsageText: "installer plan --user NAME [flags]",
		Flags:     withGlobals(installFlags()...),
		Action:    func(c *cli.Context) error { return runInstall(c, deps, true) },
	}
}

func uninstallCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:      "uninstall",
		Usage:     "remove exactly what the profile's receipt says was created",
		UsageText: "installer uninstall [--root DIR] [--dry-run]",
		Flags:     withGlobals(&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and change nothing"}),
		Action:    func(c *cli.Context) error { return runUninstall(c, deps) },
	}
}

func versionCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the installer's version",
		Action: func(c *cli.Context) error {
			if boolean(c, "json") {
				obj := map[string]any{"ok": true, "exitCode": 0, "changed": false, "command": "version", "steps": []jsonStep{},
					"go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH}
				addMeta(obj, c, "")
				return writeJSON(deps.Stdout, obj)
			}
			fmt.Fprint(deps.Stdout, versionLine())
			return nil
		},
	}
}

// session is what every mutating command sets up: the root, the logger,
// the environment.
type session struct {
	deps    Deps
	env     *install.Env
	log     *zap.Logger
	logFile io.Closer
	json    bool
	// sources says where each non-default setting came from (for plan).
	sources []string
	// root is the target root's directory; user the --user given.
	root, user string
}

func (s *session) close() {
	_ = s.log.Sync()
	if s.logFile != nil {
		s.logFile.Close()
	}
}

// newSession opens the root and, unless dryRun, the log file. The live
// check comes first (docs/contract.md §3): without launchd nothing else matters.
func newSession(c *cli.Context, deps Deps, d product.Descriptor, dryRun bool) (*session, error) {
	dir, err := rootDir(c)
	if err != nil {
		return nil, err
	}
	env := &install.Env{Live: deps.IsLive(dir), Euid: deps.Euid(), Now: deps.Now, Version: Version, LockWait: deps.LockWait,
		ReadHostFile: os.ReadFile}
	if exe, err := os.Executable(); err == nil {
		env.FallbackHelper = filepath.Join(filepath.Dir(exe), "vmnetd")
	}
	if env.Live {
		if env.Launchd, err = deps.Launchd(); err != nil {
			return nil, install.Errorf(install.KindFailed, "%w", err)
		}
	}
	if env.FS, err = deps.OpenRoot(dir); err != nil {
		return nil, install.Errorf(install.KindUsage, "%w", err)
	}
	if env.Live {
		env.LookupUser = deps.LookupLive
	} else {
		env.LookupUser = func(name string) (users.User, int, error) { return users.Offline(env.FS, name) }
	}
	deps.stopOn(c.Context, env)
	s := &session{deps: deps, env: env, json: boolean(c, "json"), root: dir, user: str(c, "user")}
	var logW io.Writer
	var logErr error
	if err := checkLogFile(str(c, "log-file")); err != nil {
		return nil, err
	}
	if !dryRun {
		if f, err := openLog(dir, str(c, "log-file"), d.LogPath()); err == nil {
			s.logFile, logW = f, f
		} else {
			logErr = err
		}
	}
	s.log = newLogger(deps, boolean(c, "quiet") || s.json, boolean(c, "verbose"), logW)
	if logErr != nil && env.Euid == 0 {
		s.log.Warn("cannot write the log file; logging to stderr only", zap.Error(logErr))
	}
	env.Log = s.log
	logHeader(s.log, c, env.Euid, dir)
	return s, nil
}

// installOptions turns flags into install.Options.
func installOptions(in inputs, d product.Descriptor) (install.Options, error) {
	var err error
	c := in.c
	o := install.Options{Product: d}
	o.User = in.str("user")
	if o.User == "" {
		return o, install.Errorf(install.KindUsage, `no user given: pass --user=NAME, or --user=@console for whoever is logged in (from Jamf: $3 was empty, so put --user=@console or --user=NAME in parameter 4), or set User in the managed preferences`)
	}
	// The CLI's part is precedence: what is not set anywhere is left
	// unset for Validate to default, and a managed PathEdit does not apply
	// when the command line chose the system location.
	if in.source("cli-location") != "default" {
		o.CLILocation = in.str("cli-location")
	}
	if src := in.source("path-edit"); src == "command line" ||
		// managed: its default says nothing (a console's form fills in
		// every default), nor does it against a location the command line chose
		(src != "default" && in.str("path-edit") != pathEditDefault() &&
			!(in.source("cli-location") == "command line" && o.CLILocation == "system")) {
		o.PathEdit = in.str("path-edit")
	}
	set, on, err := in.tri("docker-socket")
	if err != nil {
		return o, err
	}
	o.DockerSocket = !set || on
	if _, o.Kubernetes, err = in.tri("kubernetes"); err != nil {
		return o, err
	}
	if _, o.PrivilegedPorts, err = in.tri("privileged-ports"); err != nil {
		return o, err
	}
	if set, on, err = in.tri("app-settings"); err != nil {
		return o, err
	}
	o.AppSettings = !set || on
	o.HelperBinary = str(c, "helper-binary")
	o.PolicyKey = in.str("policy-key")
	o.Settings = readSettings(in)
	o.Force = boolean(c, "force")
	if err := o.Validate(); err != nil {
		return o, ruleError(in, o, err)
	}
	if o.Settings, err = checkSettings(in, o.Settings); err != nil {
		return o, err
	}
	if o.HelperBinary != "" {
		if err := checkHelperBinary(o.HelperBinary, macTarget(str(in.c, "root"))); err != nil {
			return o, err
		}
	}
	return o, nil
}

// pathEditDefault is the settings table's default of PathEdit.
func pathEditDefault() string {
	s, _ := mdm.SettingFor("path-edit")
	v, _ := s.Default.(string)
	return v
}

// oneOf checks a setting that takes one of a few words.
func oneOf(v, name string, words ...string) (string, error) {
	for _, w := range words {
		if v == w {
			return v, nil
		}
	}
	return "", install.Errorf(install.KindUsage, "--%s %q: must be one of %s", name, v, strings.Join(words, ", "))
}

func runInstall(c *cli.Context, deps Deps, plan bool) error {
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	dry := plan || boolean(c, "dry-run")
	s, err := newSession(c, deps, d, dry)
	if err != nil {
		return err
	}
	defer s.close()
	in, err := loadInputs(c, s, d)
	if err != nil {
		return s.finish(install.CommandInstall, install.Options{Product: d, DryRun: dry}, nil, err)
	}
	opts, err := installOptions(in, d)
	if err != nil {
		return s.finish(install.CommandInstall, install.Options{Product: d, DryRun: dry}, nil, err)
	}
	opts.DryRun = dry
	s.sources = in.sources()
	res, err := install.Install(s.env, opts)
	return s.finish(install.CommandInstall, opts, res, err)
}

func runUninstall(c *cli.Context, deps Deps) error {
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	opts := install.Options{Product: d, DryRun: boolean(c, "dry-run")}
	if handled, err := runUserUninstall(c, deps, d, opts.DryRun); handled {
		return err // after `installer setup`: the user's own uninstall
	}
	s, err := newSession(c, deps, d, opts.DryRun)
	if err != nil {
		return err
	}
	defer s.close()
	res, err := install.Uninstall(s.env, opts)
	return s.finish(install.CommandUninstall, opts, res, err)
}

// finish reports a run: the plan on stdout for a dry run, log lines on
// stderr otherwise, and the JSON object with --json.
func (s *session) finish(command string, opts install.Options, res *install.Result, err error) error {
	if err != nil {
		s.log.Error(oneLine(err.Error()), zap.String("command", command), zap.String("code", install.KindOf(err).String()))
		if s.json {
			_ = writeJSON(s.deps.Stdout, s.jsonResult(command, opts, res, err))
		}
		return fmt.Errorf("%w%w", err, errReportedMark{})
	}
	for _, n := range res.Notes {
		s.log.Warn(n)
	}
	for _, w := range res.Warnings {
		s.log.Warn(w)
	}
	switch {
	case s.json:
		if err := writeJSON(s.deps.Stdout, s.jsonResult(command, opts, res, nil)); err != nil {
			// The run is done; a closed stdout must not make it look failed.
			s.log.Warn("cannot print the JSON result", zap.Error(err))
		}
	case opts.DryRun:
		printPlan(s.deps.Stdout, command, opts, res, s.sources)
	}
	if opts.DryRun {
		return nil
	}
	if !res.Changed() {
		s.log.Info("nothing to change", zap.String("command", command))
		return nil
	}
	s.log.Info(fmt.Sprintf("%s done: %d change(s)", command, len(res.Ops)), zap.String("command", command), zap.Int("changes", len(res.Ops)))
	return nil
}

// errReportedMark makes errors.Is(err, errReported) true for errors the
// logger already printed, keeping their kind for the exit code.
type errReportedMark struct{}

func (errReportedMark) Error() string        { return "reported" }
func (errReportedMark) Is(target error) bool { return target == errReported }

// jsonResult is the result object with the session's root and user.
func (s *session) jsonResult(command string, opts install.Options, res *install.Result, err error) jsonOut {
	o := jsonResult(command, opts, res, err)
	o.Root = s.root
	if o.User == "" {
		o.User = s.user
	}
	return o
}
