package install

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/macfleet/installer/install/rootfs"
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

// lookupUser finds and validates the user of SPEC.md §4 step 1.
func lookupUser(env *Env, name string) (users.User, error) {
	u, minUID, err := env.LookupUser(name)
	if err != nil {
		if errors.Is(err, users.ErrNotFound) {
			return u, Errorf(KindBadUser, "user %q not found in %s; create the account first or check the name", name, env.FS.Dir())
		}
		if errors.Is(err, fs.ErrPermission) {
			// Not the user's fault: the records are root's (SPEC.md §13).
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

// adminGID is macOS's admin group: a directory writable by admins (such as
// /Applications, root:admin 0775) is as trusted as a root-only one, since
// admins can become root anyway.
const adminGID = 80

// checkTrusted applies SPEC.md §9 to a path root will trust: every
// existing component, before and after resolving links, must be owned by
// root (or, offline as non-root, by the invoking user) and writable by no
// one else; a link on the way must be owned likewise.
func checkTrusted(env *Env, p string) error {
	okOwner := func(uid uint32) bool {
		return uid == 0 || (!env.Live && env.Euid != 0 && int(uid) == env.Euid)
	}
	check := func(c string) (bool, error) {
		fi, err := env.FS.Lstat(c)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, Errorf(KindUnsafe, "inspect %s: %w", c, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return true, nil
		}
		if !okOwner(st.Uid) {
			return true, Errorf(KindUnsafe, "unsafe path %s: owned by uid %d, not root; fix with: chown root:wheel %q", c, st.Uid, c)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return true, nil
		}
		perm := fi.Mode().Perm()
		if perm&0o002 != 0 {
			return true, Errorf(KindUnsafe, "unsafe path %s: writable by everyone (mode %04o); fix with: chmod o-w %q", c, perm, c)
		}
		if perm&0o020 != 0 && st.Gid != 0 && st.Gid != adminGID {
			return true, Errorf(KindUnsafe, "unsafe path %s: writable by group %d (mode %04o); fix with: chmod g-w %q", c, st.Gid, perm, c)
		}
		return true, nil
	}
	walk := func(q string) error {
		parts := strings.Split(strings.TrimPrefix(q, "/"), "/")
		c := ""
		for _, part := range parts {
			c += "/" + part
			exists, err := check(c)
			if err != nil {
				return err
			}
			if !exists {
				return nil
			}
		}
		return nil
	}
	if err := walk(p); err != nil {
		return err
	}
	res, err := env.FS.Resolve(p)
	if err != nil {
		return Errorf(KindUnsafe, "unsafe path %s: %w", p, err)
	}
	if res != p {
		return walk(res)
	}
	return nil
}

// checkTrustedPaths covers the paths of this build's steps.
func checkTrustedPaths(env *Env, opts Options) error {
	d := opts.Product
	for _, p := range []string{d.BundledCLIDir(), d.AppSupportDir, "/Library/LaunchDaemons",
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
