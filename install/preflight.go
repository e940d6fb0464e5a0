package install

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"
	"time"

	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/trust"
	"github.com/macfleet/installer/install/users"
)

// checkRoot refuses a live install or uninstall by a non-root user.
func checkRoot(env *Env, what string) error {
	if env.Live && env.Euid != 0 {
		return Errorf(KindNotRoot, "%s on the live system must run as root; run it with sudo (or from your MDM, which runs scripts as root)", what)
	}
	return nil
}

// checkProduct requires the app bundle and its CLI dir.
func checkProduct(env *Env, opts Options) error {
	d := opts.Product
	for _, p := range []string{d.AppBundle, d.BundledCLIDir()} {
		fi, err := env.FS.Stat(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
			return Errorf(KindNoProduct, "%s not found in %s; install the app first", p, env.FS.Dir())
		}
		if err != nil {
			return Errorf(KindNoProduct, "inspect %s: %w", p, err)
		}
	}
	return nil
}

// lookupUser finds and validates the user of docs/contract.md §4 step 1.
func lookupUser(env *Env, name string) (users.User, error) {
	u, minUID, err := env.LookupUser(name)
	if err != nil {
		if errors.Is(err, users.ErrNotFound) {
			return u, Errorf(KindBadUser, "user %q not found in %s; create the account first or check the name", name, env.FS.Dir())
		}
		if errors.Is(err, fs.ErrPermission) {
			// Not the user's fault: the records are root's (docs/contract.md §13).
			return u, Errorf(KindNotRoot, "cannot read the user records in %s as uid %d (%w); run as root", env.FS.Dir(), env.Euid, fs.ErrPermission)
		}
		return u, Errorf(KindBadUser, "%w", err)
	}
	if err := users.Validate(u, minUID); err != nil {
		return u, Errorf(KindBadUser, "%w", err)
	}
	fi, err := env.FS.Stat(u.Home)
	if err != nil || !fi.IsDir() {
		return u, Errorf(KindBadUser, "user %q: home %s is not a directory in %s", name, u.Home, env.FS.Dir())
	}
	return u, nil
}

// lock takes the installer lock of the product on the root, waiting up
// to env.LockWait for another installer to finish.
func lock(env *Env, opts Options) (io.Closer, error) {
	p := opts.Product.LockPath()
	deadline := time.Now().Add(env.LockWait)
	l, err := env.FS.Lock(p)
	for errors.Is(err, rootfs.ErrLocked) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		l, err = env.FS.Lock(p)
	}
	if errors.Is(err, rootfs.ErrLocked) {
		return nil, Errorf(KindBusy, "another installer is running on %s (lock %s, waited %s); retry when it has finished", env.FS.Dir(), p, env.LockWait)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Errorf(KindFailed, "cannot create the lock %s: %s is missing in %s", p, path.Dir(p), env.FS.Dir())
	}
	if err != nil {
		return nil, Errorf(KindFailed, "take the installer lock: %w", err)
	}
	return l, nil
}

// trustContext is who asks the trust rule, for env.
func trustContext(env *Env) trust.Context {
	egid := os.Getegid
	if env.Egid != nil {
		egid = env.Egid
	}
	return trust.Context{Live: env.Live, Euid: env.Euid, Egid: egid()}
}

// checkTrusted applies the trust rule to a path root will trust (the walk
// of package trust, shared with vmnetd): every existing component inside
// the root, before and after resolving links, must pass; a sticky
// directory above the path may be writable by others.
func checkTrusted(env *Env, p string) error { return checkTrustedAs(env, p, trustContext(env)) }

func checkTrustedAs(env *Env, p string, tc trust.Context) error {
	if err := trust.Walk(env.FS, p, trust.Any, tc); err != nil {
		return Errorf(KindUnsafe, "%w", err)
	}
	return nil
}

// checkTrustedPaths covers the paths of this build's steps. The bundled
// CLI dir may belong to the target user (uid user, 0 for none): an app
// she dragged into /Applications (docs/contract.md §9); dragged then says so.
func checkTrustedPaths(env *Env, opts Options, user int) (dragged bool, err error) {
	d := opts.Product
	tc := trustContext(env)
	if user > 0 {
		tc.AlsoOwner = uint32(user)
	}
	if err := checkTrustedAs(env, d.BundledCLIDir(), tc); err != nil {
		return false, err
	}
	dragged = user > 0 && ownedOnTheWay(env, d.BundledCLIDir(), user)
	return dragged, checkTrustedSystemPaths(env, opts)
}

// ownedOnTheWay reports whether uid owns p or a directory above it.
func ownedOnTheWay(env *Env, p string, uid int) bool {
	for c := p; c != "/" && c != "."; c = path.Dir(c) {
		if fi, err := env.FS.Lstat(c); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid {
				return true
			}
		}
	}
	return false
}

func checkTrustedSystemPaths(env *Env, opts Options) error {
	d := opts.Product
	for _, p := range []string{d.AppSupportDir, "/Library/LaunchDaemons",
		"/Library/PrivilegedHelperTools", path.Dir(d.HelperSocket), path.Dir(d.SocketLink), "/etc"} {
		if err := checkTrusted(env, p); err != nil {
			return err
		}
	}
	if err := checkNoUntrustedLink(env, systemBinDir); err != nil {
		return err
	}
	return checkHostsTarget(env)
}

// checkNoUntrustedLink allows dir itself to be owned by someone else (as
// Homebrew leaves /usr/local/bin on Intel Macs: root only adds links
// there, which never follow their last component), but a link on the way
// to it must lead somewhere trusted.
func checkNoUntrustedLink(env *Env, dir string) error {
	for c := dir; c != "/"; c = path.Dir(c) {
		fi, err := env.FS.Lstat(c)
		if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			if err := checkTrusted(env, dir); err != nil {
				return Errorf(KindUnsafe, "%s is reached through the link %s to an untrusted place: %w", dir, c, err)
			}
			return nil
		}
	}
	return nil
}

// checkHostsTarget refuses a hosts file that resolves to a file someone
// other than root controls: editing it would let that user decide what
// the whole machine resolves.
func checkHostsTarget(env *Env) error {
	target, err := env.FS.Resolve(hostsPath)
	if err != nil {
		return Errorf(KindUnsafe, "hosts file %s: %w", hostsPath, err)
	}
	if target == "/private/etc/hosts" || target == hostsPath {
		return nil
	}
	if err := checkTrusted(env, target); err != nil {
		return Errorf(KindUnsafe, "hosts file %s is a link to %s: %w", hostsPath, target, err)
	}
	return nil
}
