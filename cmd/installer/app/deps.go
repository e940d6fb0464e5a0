package app

import (
	"context"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/launchd"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// Version is set at build time with -ldflags "-X ...app.Version=…".
var Version = "0.1.0-dev"

// Deps are the program's effects. RealDeps gives the real ones; tests
// substitute fakes (a launchctl recorder, a fault-injecting filesystem)
// from _test.go files only, so no test hook ships in the binary root runs.
type Deps struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Euid           func() int
	Now            func() time.Time
	// LockWait bounds the wait for another installer on the same root.
	LockWait time.Duration
	// IsTerminal reports whether w is a terminal (for colour).
	IsTerminal func(w io.Writer) bool
	// IsLive reports whether the root directory is the running system.
	IsLive func(root string) bool
	// OpenRoot opens the target root.
	OpenRoot func(dir string) (rootfs.FS, error)
	// Launchd returns the runner for live installs, or why there is none.
	Launchd func() (launchd.Runner, error)
	// LookupLive looks a user up on the running system.
	LookupLive func(name string) (users.User, int, error)
	// BeforeOp, if set, runs at each operation boundary of apply (see
	// install.Env.BeforeOp) with the run's context, which SIGINT and
	// SIGTERM cancel. Tests only; RealDeps leaves it nil.
	BeforeOp func(ctx context.Context, i, n int)
}

// stopOn makes env stop with the run's context and wires the test hook.
func (deps Deps) stopOn(ctx context.Context, env *install.Env) {
	env.Stop = ctx.Done()
	if deps.BeforeOp != nil {
		env.BeforeOp = func(i, n int) { deps.BeforeOp(ctx, i, n) }
	}
}

// RealDeps are the effects of the shipped binary.
func RealDeps() Deps {
	return Deps{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Euid:     os.Geteuid,
		Now:      time.Now,
		LockWait: 10 * time.Second,
		IsTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			if !ok {
				return false
			}
			_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
			return err == nil
		},
		IsLive:     func(root string) bool { return root == "/" },
		OpenRoot:   func(dir string) (rootfs.FS, error) { return rootfs.Open(dir) },
		Launchd:    launchd.Live,
		LookupLive: users.Live,
	}
}
