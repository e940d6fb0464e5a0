// This code runs as root: it is vmnetd's entry point.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/macfleet/installer/helper"
	"github.com/macfleet/installer/install/product"
)

// Version is set at build time with -ldflags "-X main.Version=…", to
// the same value as the installer's (make build, make dist); the default
// is the installer's default too.
var Version = "0.1.0-dev"

// Exit codes of docs/contract.md §10 that vmnetd uses.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitNotRoot = 3
	exitNoProd  = 8
	exitUnsafe  = 9
)

// exitError carries the exit code for an error Main prints.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitf(code int, format string, args ...any) error {
	return &exitError{code, fmt.Errorf(format, args...)}
}

// Main runs vmnetd with args (args[0] is the program name) until SIGTERM,
// SIGINT, ctx's end or an uninstall request, and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err := newApp(stdout, stderr).RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "vmnetd: %v\n", err)
	var ee *exitError
	var unsafe *helper.UnsafePathError
	switch {
	case errors.As(err, &ee):
		if errors.As(err, &unsafe) {
			return exitUnsafe
		}
		return ee.code
	case errors.As(err, &unsafe):
		return exitUnsafe
	}
	return exitFailed
}

func usageError(_ *cli.Context, err error, _ bool) error {
	return &exitError{exitUsage, fmt.Errorf("%w (see vmnetd --help)", err)}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:            "vmnetd",
		Usage:           "privileged helper: binds ports below 1024 for the profile's user",
		Version:         version(),
		Writer:          stdout,
		ErrWriter:       stderr,
		ExitErrHandler:  func(*cli.Context, error) {}, // Main owns the exit code
		OnUsageError:    usageError,
		HideHelpCommand: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "target root holding the profile, plist and binary"},
			&cli.StringFlag{Name: "product", Value: "docker", Usage: "built-in product whose names to use"},
			&cli.StringFlag{Name: "product-file", Usage: "product descriptor plist (instead of --product)"},
			&cli.StringFlag{Name: "socket", Usage: "socket path (default: the product's helper socket inside --root)"},
			&cli.StringFlag{Name: "profile", Usage: "profile plist (default: the product's profile inside --root)"},
			&cli.IntFlag{Name: "allow-uid", Usage: "serve this uid instead of the profile's user (no policy key)", DefaultText: "the profile's UID"},
			&cli.StringFlag{Name: "log-file", Usage: "also write JSON-lines logs here"},
			&cli.DurationFlag{Name: "timeout", Value: helper.DefaultTimeout, Usage: "deadline for one connection"},
			&cli.IntFlag{Name: "max-conns", Value: helper.DefaultMaxConns, Usage: "connections one uid holds open before its oldest stalled one is closed"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return exitf(exitUsage, "unexpected argument %q (see vmnetd --help)", c.Args().First())
			}
			return run(c, stderr)
		},
	}
}

// maxProductFile bounds the descriptor root reads; a real one is 1 KB.
const maxProductFile = 1 << 20

// options are the flags, resolved against the root and the product.
type options struct {
	root, socket, profile, logFile string
	allowUID                       int
	desc                           product.Descriptor
}

func resolve(c *cli.Context) (options, error) {
	o := options{root: c.String("root"), socket: c.String("socket"), profile: c.String("profile"),
		logFile: c.String("log-file"), allowUID: c.Int("allow-uid")}
	if !filepath.IsAbs(o.root) {
		return o, exitf(exitUsage, "--root %q must be an absolute path", o.root)
	}
	if c.IsSet("profile") && c.IsSet("allow-uid") {
		return o, exitf(exitUsage, "--profile and --allow-uid exclude each other")
	}
	if c.IsSet("allow-uid") && o.allowUID <= 0 {
		return o, exitf(exitUsage, "--allow-uid must be a non-root uid, got %d", o.allowUID)
	}
	var err error
	if f := c.String("product-file"); f != "" {
		// The descriptor is inside the root, like every other path: the
		// LaunchDaemon passes its path on the Mac the job runs on.
		if !filepath.IsAbs(f) && o.root != "/" {
			return o, exitf(exitUsage, "--product-file %q must be an absolute path inside --root", f)
		}
		if filepath.IsAbs(f) {
			f = filepath.Join(o.root, f)
		}
		// It decides which paths root serves and removes: trusted as the
		// profile is.
		data, rerr := helper.ReadTrustedFile(f, maxProductFile)
		if rerr != nil {
			return o, exitf(exitNoProd, "product file: %w", rerr)
		}
		o.desc, err = product.Parse(data)
	} else {
		o.desc, err = product.Builtin(c.String("product"))
	}
	if err != nil {
		return o, &exitError{exitNoProd, err}
	}
	if o.socket == "" {
		o.socket = filepath.Join(o.root, o.desc.HelperSocket)
	}
	if o.profile == "" {
		o.profile = filepath.Join(o.root, o.desc.ProfilePath())
	}
	return o, nil
}

func run(c *cli.Context, stderr io.Writer) error {
	o, err := resolve(c)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return exitf(exitNotRoot, "vmnetd must run as root (it binds privileged ports and owns its socket)")
	}
	log, closeLog, logFile, err := newLogger(stderr, o.logFile)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	defer closeLog()

	uid, key := o.allowUID, []byte(nil)
	if !c.IsSet("allow-uid") {
		p, err := helper.LoadProfile(o.profile)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w; install with --privileged-ports first, or pass --allow-uid", err)
		}
		if err != nil {
			return err
		}
		if p.Product != "" && p.Product != o.desc.Name {
			log.Warn("profile is for another product", zap.String("profile_product", p.Product), zap.String("product", o.desc.Name))
		}
		uid = int(p.UID)
		key, _ = p.PublicKey() // validated by LoadProfile
		log.Info("serving the profile's user", zap.String("user", p.User), zap.Int("uid", uid), zap.Bool("policy_key", key != nil))
	}
	srv, err := helper.NewServer(helper.Config{
		Socket:    o.socket,
		UID:       uid,
		Policy:    &helper.PolicyStore{Dir: filepath.Join(o.root, o.desc.AppSupportDir), Key: key},
		Uninstall: uninstaller(o),
		Logger:    log,
		Timeout:   c.Duration("timeout"),
		MaxConns:  c.Int("max-conns"),
		Product:   o.desc.Name,
		Version:   version(),
		Commit:    commit(),
		Trace:     helper.PlatformTrace(o.desc.AppBundle),
	})
	if err != nil {
		return err
	}
	stopRotation, err := handleRotation(c.Context, o, logFile, log)
	if err != nil {
		srv.Close()
		return err
	}
	defer stopRotation()
	err = srv.Serve(c.Context)
	if errors.Is(err, helper.ErrUninstalled) {
		return nil
	}
	return err
}

// uninstaller removes the helper's plist and binary inside the root; on a
// live macOS install it also boots the job out of launchd.
func uninstaller(o options) *helper.Uninstaller {
	u := &helper.Uninstaller{
		Root:  o.root,
		Label: o.desc.HelperLabel,
		Paths: []string{o.desc.HelperPlist(), o.desc.HelperBinary()},
	}
	if o.root == "/" && runtime.GOOS == "darwin" {
		u.Bootout = launchctlBootout
	}
	return u
}

// launchctlBootout unloads the job; launchd then sends us SIGTERM.
func launchctlBootout(label string) error {
	out, err := exec.Command("/bin/launchctl", "bootout", "system/"+label).CombinedOutput()
	if err != nil {
		return fmt.Errorf("launchctl bootout system/%s: %w: %s", label, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func version() string { return Version }

// commit is the 40-character id sent in the hello (zeros when unknown).
func commit() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) == helper.CommitSize {
				return s.Value
			}
		}
	}
	return strings.Repeat("0", helper.CommitSize)
}
