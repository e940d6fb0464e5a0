package users

import (
	"errors"
	"fmt"
	"os/user"
	"runtime"
	"strconv"
)

// Live looks the user up on the running system with os/user, and returns
// the minimum uid of a person's account there: MinUIDDarwin on macOS,
// MinUIDPasswd elsewhere.
func Live(name string) (User, int, error) {
	if err := CheckName(name); err != nil {
		return User{}, 0, err
	}
	minUID := MinUIDPasswd
	if runtime.GOOS == "darwin" {
		minUID = MinUIDDarwin
	}
	acct, err := user.Lookup(name)
	var unknown user.UnknownUserError
	switch {
	case errors.As(err, &unknown):
		return User{}, 0, notFound(name, "no such user on this system; check --user")
	case err != nil:
		return User{}, 0, fmt.Errorf("user %q: look up: %w", name, err)
	}
	uid, err := strconv.Atoi(acct.Uid)
	if err != nil {
		return User{}, 0, fmt.Errorf("user %q: uid %q is not a number", name, acct.Uid)
	}
	gid, err := strconv.Atoi(acct.Gid)
	if err != nil {
		return User{}, 0, fmt.Errorf("user %q: gid %q is not a number", name, acct.Gid)
	}
	// Directory Services also answers to aliases and other cases of the
	// name; the record's short name is the one to use from here on.
	return User{Name: acct.Username, UID: uid, GID: gid, Home: acct.HomeDir, Source: "live"}, minUID, nil
}
