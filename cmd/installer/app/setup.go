package app

import (
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/users"
)

func setupCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:  "setup",
		Usage: "set the app up for yourself, without admin rights: CLI links in ~/.docker/bin, PATH, the CLI context (run as the user, never as root)",
		UsageText: "installer setup [--path-edit=shell|none] [--product NAME] [--root DIR] [--dry-run]\n" +
			"   undo with: installer uninstall (as the same user)",
		Flags: withGlobals(
			&cli.StringFlag{Name: "path-edit", Value: "shell", Usage: "how ~/.docker/bin gets on PATH: shell (~/.zprofile, ~/.bash_profile, fish conf.d) or none"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and change nothing"},
		),
		Action: func(c *cli.Context) error { return runSetup(c, deps) },
	}
}

func runSetup(c *cli.Context, deps Deps) error {
	if deps.Euid() == 0 {
		return install.ErrSetupAsRoot
	}
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	so := install.SetupOptions{Product: d, DryRun: boolean(c, "dry-run")}
	if so.PathEdit, err = oneOf(str(c, "path-edit"), "path-edit", "shell", "none"); err != nil {
		return err
	}
	env, u, err := userEnv(c, deps)
	if err != nil {
		return err
	}
	so.User = u
	s, hl := newUserSession(c, deps, env, d, u, so.DryRun)
	defer s.close()
	res, err := install.Setup(env, so)
	err = s.finish(install.CommandSetup, install.Options{Product: d, User: u.Name, DryRun: so.DryRun}, res, err)
	if err == nil && res.Changed() && !so.DryRun && hl != nil {
		hl.open(true)
	}
	return err
}

// userEnv is the world of a user-mode command: the root and the caller,
// and no launchd at all — setup only ever touches the home, so it needs
// none, live on Linux as on a Mac.
func userEnv(c *cli.Context, deps Deps) (*install.Env, users.User, error) {
	dir, err := rootDir(c)
	if err != nil {
		return nil, users.User{}, err
	}
	env := &install.Env{Live: deps.IsLive(dir), Euid: deps.Euid(), Now: deps.Now, Version: Version, LockWait: deps.LockWait}
	if env.FS, err = deps.OpenRoot(dir); err != nil {
		return nil, users.User{}, install.Errorf(install.KindUsage, "%w", err)
	}
	caller := install.Caller{UID: env.Euid, GID: os.Getegid(), Home: deps.Getenv("HOME"),
		Names: []string{deps.Getenv("USER"), deps.Getenv("LOGNAME")}}
	if env.Live {
		env.LookupUser = deps.LookupLive
		if a, err := user.LookupId(strconv.Itoa(env.Euid)); err == nil {
			caller.Names = append(caller.Names, a.Username)
		}
	} else {
		env.LookupUser = func(name string) (users.User, int, error) { return users.Offline(env.FS, name) }
	}
	u, err := install.SetupUser(env, caller)
	return env, u, err
}

// newUserSession logs to --log-file, or to the user's own
// ~/Library/Logs/<product>-installer/installer.log (homeLog).
func newUserSession(c *cli.Context, deps Deps, env *install.Env, d product.Descriptor, u users.User, dryRun bool) (*session, *homeLog) {
	s := &session{deps: deps, env: env, json: boolean(c, "json"), root: env.FS.Dir(), user: u.Name}
	deps.stopOn(c.Context, env)
	var hl *homeLog
	var w io.Writer
	if !dryRun {
		if lf := str(c, "log-file"); lf != "" {
			if f, err := openLog("", lf, ""); err == nil {
				s.logFile, w = f, f
			}
		} else {
			hl = &homeLog{rootDir: env.FS.Dir(), home: u.Home, dir: strings.TrimPrefix(d.LogDir(), "/")}
			hl.open(false)
			s.logFile, w = hl, hl
		}
	}
	s.log = newLogger(deps, boolean(c, "quiet") || s.json, boolean(c, "verbose"), w)
	env.Log = s.log
	logHeader(s.log, c, env.Euid, env.FS.Dir())
	return s, hl
}

// runUserUninstall is uninstall for a user who ran setup: it removes what
// setup made in their home. handled is false when the caller is root or
// has no user-mode state, for the administrator's uninstall to run.
func runUserUninstall(c *cli.Context, deps Deps, d product.Descriptor, dryRun bool) (handled bool, err error) {
	if deps.Euid() == 0 {
		return false, nil
	}
	env, u, err := userEnv(c, deps)
	if err != nil || !install.HasSetupState(env, d, u) {
		return false, nil
	}
	s, _ := newUserSession(c, deps, env, d, u, dryRun)
	defer s.close()
	so := install.SetupOptions{Product: d, User: u, DryRun: dryRun}
	res, err := install.SetupUninstall(env, so)
	return true, s.finish(install.CommandUninstall, install.Options{Product: d, User: u.Name, DryRun: dryRun}, res, err)
}

// userModeStatus is status for a user who ran setup alone; nil when the
// caller is root or has no user-mode state, for the profile's status.
func userModeStatus(c *cli.Context, deps Deps, d product.Descriptor) (*install.StatusReport, error) {
	if deps.Euid() == 0 {
		return nil, nil
	}
	env, u, err := userEnv(c, deps)
	if err != nil || !install.HasSetupState(env, d, u) {
		return nil, nil
	}
	return install.SetupStatus(env, install.SetupOptions{Product: d, User: u})
}
