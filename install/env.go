package install

import (
	"time"

	"go.uber.org/zap"

	"github.com/macfleet/installer/install/launchd"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// Env is the world the installer acts on. Every effect goes through it, so
// tests substitute each part.
type Env struct {
	// recordedApp, when set, is the app version the profile records:
	// status compares the profile as it was written, so an app update
	// alone is no profile drift (what the update changes for the app
	// shows in its own components).
	recordedApp *string

	FS rootfs.FS
	// Live is true for an install on the running Mac (--root /).
	Live bool
	// Launchd is used only when Live.
	Launchd launchd.Runner
	// Euid is the effective uid of the installer process.
	Euid int
	// Egid is its effective gid (nil: the process's own), which the trust
	// rule accepts as a writing group offline as a non-root user.
	Egid func() int
	// LookupUser finds a user and the lowest uid of a non-system account
	// in the same database.
	LookupUser func(name string) (users.User, int, error)
	Now        func() time.Time
	// ReadHostFile reads a file of the machine the installer runs on (the
	// helper binary to install), outside the target root.
	ReadHostFile func(string) ([]byte, error)
	// FallbackHelper is the vmnetd beside the installer (a host path).
	FallbackHelper string
	// LockWait is how long to wait for another installer's lock.
	LockWait time.Duration
	Log      *zap.Logger
	Version  string
	// Stop, once closed (SIGINT, SIGTERM), makes apply undo this run's
	// changes and fail with ErrInterrupted.
	Stop <-chan struct{}
	// BeforeOp, if set, runs in apply at each operation boundary: before
	// operation i of the n planned (just before apply looks at Stop), and
	// with i == n after the last one. A test hook (the interrupt tests
	// deliver SIGINT or SIGTERM at a chosen boundary); nil in the binary.
	BeforeOp func(i, n int)
}

// Options are the wanted state of docs/contract.md §4.
type Options struct {
	Product      product.Descriptor
	User         string
	CLILocation  string // "system" or "user"
	PathEdit     string // "paths.d", "shell" or "none"; used with the user location
	DockerSocket bool
	// PrivilegedPorts installs the vmnetd helper (docs/contract.md §8), from
	// HelperBinary (a host path), else the app bundle's copy, else
	// Env.FallbackHelper.
	PrivilegedPorts bool
	HelperBinary    string
	// HelperSHA256 (status only) wants the helper an earlier install took
	// from --helper-binary, as recorded in the profile.
	HelperSHA256 string
	// PolicyKey is the base64 ed25519 key that may sign policies.
	PolicyKey  string
	Kubernetes bool
	// AppSettings makes the app's own per-user settings agree with this
	// install (step app-settings, docs/contract.md §14).
	AppSettings bool
	Settings    Settings
	Force       bool
	DryRun      bool
}

// Result is what a run did (or, for a dry run, would do).
type Result struct {
	Ops   []Op
	Notes []string
	// Profile is the profile after the run (nil after uninstall).
	Profile *Profile
	// Warnings are what the run could not do and went on without (a
	// store that is not JSON, a write the OS refused).
	Warnings []string
	// AppVersion is the app's version the run saw ("unknown" when its
	// Info.plist has none); empty for commands that do not read it.
	AppVersion string
	appSkip    *appSkip
	// late are warnings the ops give while they are applied (an OS
	// refusal the run goes on without); afterApply adds them.
	late *[]string
}

// Changed reports whether the run changed (or would change) anything.
func (r *Result) Changed() bool { return r != nil && len(r.Ops) > 0 }

// applyOwnership says whether chown is possible: offline installs by a
// non-root user skip it (docs/contract.md §3).
func (e *Env) applyOwnership() bool { return e.Euid == 0 }

func (e *Env) log() *zap.Logger {
	if e.Log == nil {
		return zap.NewNop()
	}
	return e.Log
}
