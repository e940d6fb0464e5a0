package install

import (
	"fmt"
	"path"
	"strings"
	"syscall"

	"github.com/macfleet/installer/install/users"
)

// Caller is who runs setup, as the process sees itself.
type Caller struct {
	UID, GID int
	// Names are candidate account names ($USER, $LOGNAME, the running
	// system's name for the uid); only one whose record has UID is used.
	Names []string
	// Home is $HOME, taken inside the root.
	Home string
}

// ErrSetupAsRoot is the refusal of docs/contract.md §5 (exit 2, usage): setup is
// the user's own path; root sets a user up with install.
var ErrSetupAsRoot = Errorf(KindUsage, "setup sets up your own account and must not run as root: run it as yourself, without sudo (an administrator sets a user up with: installer install --user NAME)")

// SetupUser finds the account setup acts for: the caller's record in the
// root when one can be read (live: the running system's), else $HOME
// inside the root. Either way the home must be a directory the caller owns
// and may write.
func SetupUser(env *Env, c Caller) (users.User, error) {
	if c.UID == 0 {
		return users.User{}, ErrSetupAsRoot
	}
	u, found := recordOf(env, c)
	if !found {
		name := fmt.Sprintf("uid %d", c.UID)
		for _, n := range c.Names {
			if users.CheckName(n) == nil {
				name = n
				break
			}
		}
		home := c.Home
		if !path.IsAbs(home) || strings.Contains(home+"/", "/../") {
			return users.User{}, Errorf(KindBadUser, "cannot tell your home: no readable account record for uid %d in %s and $HOME (%q) is not a clean absolute path; set HOME", c.UID, env.FS.Dir(), home)
		}
		u = users.User{Name: name, UID: c.UID, GID: c.GID, Home: path.Clean(home), Source: "HOME"}
	}
	if u.Home == "/" {
		return u, Errorf(KindBadUser, "home of %s is /, not a user's home; set HOME", u.Name)
	}
	fi, err := env.FS.Stat(u.Home)
	if err != nil || !fi.IsDir() {
		return u, Errorf(KindBadUser, "home %s of %s is not a directory in %s", u.Home, u.Name, env.FS.Dir())
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && int(st.Uid) != c.UID {
		return u, Errorf(KindBadUser, "home %s is owned by uid %d, not by you (uid %d): setup only changes a home of your own", u.Home, st.Uid, c.UID)
	}
	if fi.Mode().Perm()&0o300 != 0o300 {
		return u, Errorf(KindBadUser, "home %s is not writable by you (mode %04o): nothing was changed; make it writable (chmod u+wx) and rerun", u.Home, fi.Mode().Perm())
	}
	return u, nil
}

// recordOf looks the caller up by the candidate names and, offline, by
// the names the image's databases give the uid; a record counts only when
// readable and for this very uid.
func recordOf(env *Env, c Caller) (users.User, bool) {
	if env.LookupUser == nil {
		return users.User{}, false
	}
	names := append([]string{}, c.Names...)
	if !env.Live {
		if n, err := users.OfflineNameOf(env.FS, c.UID); err == nil {
			names = append(names, n)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] || users.CheckName(n) != nil {
			continue
		}
		seen[n] = true
		u, _, err := env.LookupUser(n)
		if err == nil && u.UID == c.UID && u.Home != "" && path.IsAbs(u.Home) {
			if u.GID == 0 && c.GID != 0 {
				u.GID = c.GID
			}
			return u, true
		}
	}
	return users.User{}, false
}
