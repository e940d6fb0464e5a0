package mdm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/macfleet/installer/install/users"
)

// ConsoleArg is the --user value that means "whoever is logged in at the
// console", for policies that run at login or check-in without a name.
const ConsoleArg = "@console"

// ErrNoConsoleUser is the cause of exit 6: nobody a developer could be is
// logged in, so a run meant for the console user has to wait.
var ErrNoConsoleUser = errors.New("no user logged in at the console (login window or Setup Assistant); rerun at login")

// notUsers own /dev/console when no person is logged in: root before
// login, loginwindow at the login window, _mbsetupuser while Setup
// Assistant runs after an install or upgrade.
var notUsers = map[string]bool{"root": true, "loginwindow": true, "_mbsetupuser": true}

// ConsoleUser names the console user, given the uid that owns
// /dev/console (the caller stats it inside the root) and a lookup of a
// uid's name in that root. Every way of finding no person there — uid 0,
// a system placeholder account, a uid with no name — is ErrNoConsoleUser,
// wrapped with what was found.
func ConsoleUser(uid int, nameOf func(uid int) (string, error)) (string, error) {
	if uid <= 0 {
		return "", fmt.Errorf("%w (/dev/console is owned by uid %d)", ErrNoConsoleUser, uid)
	}
	name, err := nameOf(uid)
	if err != nil {
		return "", fmt.Errorf("%w (/dev/console is owned by uid %d, which has no user: %w)", ErrNoConsoleUser, uid, err)
	}
	if name == "" {
		return "", fmt.Errorf("%w (/dev/console is owned by uid %d, which has no user)", ErrNoConsoleUser, uid)
	}
	if notUsers[name] {
		return "", fmt.Errorf("%w (/dev/console is owned by %s)", ErrNoConsoleUser, name)
	}
	if err := users.CheckName(name); err != nil {
		return "", fmt.Errorf("console user (uid %d): %w", uid, err)
	}
	return name, nil
}

// ParseUserArg reports whether a --user value (or the User managed
// preference) asks for the console user. Case does not matter: '@' can
// never start a real user name, so "@Console" can only mean this.
func ParseUserArg(s string) (console bool) {
	return strings.EqualFold(s, ConsoleArg)
}
