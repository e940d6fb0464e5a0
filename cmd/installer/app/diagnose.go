package app

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/google/renameio/v2"
	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/macfleet/installer/helper"
	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/diagnose"
)

func diagnoseCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:  "diagnose",
		Usage: "write a support bundle (secrets masked): version, profile, status, receipt check, hosts, LaunchDaemons, launchctl, helper, log tail",
		UsageText: "installer diagnose [--out FILE.tar.gz] [--trace] [--root DIR] [--product NAME]\n" +
			"   as root on macOS --trace adds a spindump; the profile's user gets one through vmnetd",
		Flags: withGlobals(
			&cli.StringFlag{Name: "out", Usage: "bundle to write, or a directory for it (default: <product>-diagnose-<host>-<UTC time>.tar.gz here)"},
			&cli.BoolFlag{Name: "trace", Usage: "add a performance trace of the app (spindump)"},
			&cli.IntFlag{Name: "trace-seconds", Value: helper.DefaultTraceSeconds, Usage: fmt.Sprintf("how long the trace samples, 1–%d s", helper.MaxTraceSeconds)},
			&cli.StringFlag{Name: "socket", Usage: "helper socket (default: the product's, inside --root)"},
		),
		Action: func(c *cli.Context) error { return runDiagnose(c, deps) },
	}
}

func runDiagnose(c *cli.Context, deps Deps) error {
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	dir, err := rootDir(c)
	if err != nil {
		return err
	}
	secs := c.Int("trace-seconds")
	if secs < 1 || secs > helper.MaxTraceSeconds {
		return install.Errorf(install.KindUsage, "--trace-seconds %d: must be 1 to %d", secs, helper.MaxTraceSeconds)
	}
	fsys, err := deps.OpenRoot(dir)
	if err != nil {
		return install.Errorf(install.KindUsage, "%w", err)
	}
	// Read-only: no lock, no log file, and launchd only asked.
	env := &install.Env{FS: fsys, Live: deps.IsLive(dir), Euid: deps.Euid(), Now: deps.Now, Version: Version,
		ReadHostFile: os.ReadFile, Log: zap.NewNop()}
	if exe, err := os.Executable(); err == nil {
		env.FallbackHelper = filepath.Join(filepath.Dir(exe), "vmnetd") // as status compares it
	}
	var launchdErr error
	if env.Live {
		env.Launchd, launchdErr = deps.Launchd()
	}
	hc, err := helperClient(c)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	out, err := bundlePath(str(c, "out"), d.Name, host, deps)
	if err != nil {
		return err
	}
	log := newLogger(deps, boolean(c, "quiet") || boolean(c, "json"), boolean(c, "verbose"), nil)
	b := diagnose.Run(c.Context, diagnose.Config{
		Env: env, LaunchdErr: launchdErr, Product: d, RootDir: dir,
		Version: versionLine(), StatusJSON: statusObject, Helper: hc,
		Trace: boolean(c, "trace"), TraceSeconds: secs,
		UID: os.Getuid(), GID: os.Getgid(), Host: host,
	})
	if err := writeBundle(out, b, deps); err != nil {
		return err
	}
	m := b.Manifest
	for _, miss := range m.NotCollected {
		log.Info(fmt.Sprintf("not collected: %s (%s): %s", miss.Name, miss.Kind, miss.Reason),
			zap.String("file", miss.Name), zap.String("kind", miss.Kind))
	}
	log.Info(fmt.Sprintf("wrote %s: %d files, %d not collected", out, len(m.Files), len(m.NotCollected)),
		zap.String("bundle", out))
	if boolean(c, "json") {
		obj := map[string]any{"ok": true, "exitCode": 0, "changed": false, "command": "diagnose", "steps": []jsonStep{}, "bundle": out,
			"files": len(m.Files), "notCollected": m.NotCollected}
		addMeta(obj, c, "")
		return writeJSON(deps.Stdout, obj)
	}
	fmt.Fprintln(deps.Stdout, out)
	return nil
}

// versionLine is what `installer version` prints.
func versionLine() string {
	return fmt.Sprintf("installer %s (%s %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// statusObject is the object `installer status --json` prints.
func statusObject(rep *install.StatusReport) any {
	kind := statusKind(rep)
	return struct {
		*install.StatusReport
		State    string `json:"state"`
		ExitCode int    `json:"exitCode"`
	}{rep, statusState(kind).String(), kind.ExitCode()}
}

// bundlePath is --out, or the default name in the current directory (or
// in the directory --out names).
func bundlePath(out, productName, host string, deps Deps) (string, error) {
	def := diagnose.DefaultName(productName, host, deps.Now())
	if out == "" {
		return def, nil
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return filepath.Join(out, def), nil
	}
	return out, nil
}

// writeBundle writes the bundle atomically, mode 0600, owned by the
// caller: the process's uid, or under sudo the user who ran sudo, so an
// administrator can attach it without root.
func writeBundle(out string, b *diagnose.Bundle, deps Deps) error {
	pf, err := renameio.NewPendingFile(out, renameio.WithStaticPermissions(0o600), renameio.WithTempDir(filepath.Dir(out)))
	if err != nil {
		return install.Errorf(install.KindFailed, "write bundle %s: %w", out, err)
	}
	defer pf.Cleanup()
	if err := b.Write(pf, diagnose.DirName(out)); err != nil {
		return install.Errorf(install.KindFailed, "write bundle %s: %w", out, err)
	}
	if deps.Euid() == 0 {
		uid, uerr := strconv.Atoi(deps.Getenv("SUDO_UID"))
		gid, gerr := strconv.Atoi(deps.Getenv("SUDO_GID"))
		if uerr == nil && gerr == nil && uid > 0 {
			if err := pf.Chown(uid, gid); err != nil {
				return install.Errorf(install.KindFailed, "write bundle %s: giving it to uid %d: %w", out, uid, err)
			}
		}
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return install.Errorf(install.KindFailed, "write bundle %s: %w", out, err)
	}
	return nil
}
