package users

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// User is an account as the installer needs it.
type User struct {
	Name     string
	UID, GID int
	Home     string // as recorded, slash path inside the target root
	Source   string // "dslocal", "passwd" or "live": where the record came from
}

// Minimum uid of a person's account, by source: below it is a system account.
const (
	MinUIDDarwin = 500  // macOS: dslocal, and live on darwin
	MinUIDPasswd = 1000 // an etc/passwd root, and live elsewhere
)

var (
	// ErrNotFound is wrapped when the user does not exist.
	ErrNotFound = errors.New("user not found")
	// ErrInvalid is wrapped when the name is unusable or the account is
	// not one the installer may configure (root, a system account, no
	// home). Together with ErrNotFound it is docs/contract.md §10 exit code 4.
	ErrInvalid = errors.New("user invalid")
)

// userError reads `user "NAME": MSG` and wraps one of the sentinels, so
// that the message stays one clean line while errors.Is still works.
type userError struct {
	name, msg string
	kind      error
}

func (e *userError) Error() string { return fmt.Sprintf("user %q: %s", e.name, e.msg) }
func (e *userError) Unwrap() error { return e.kind }

func invalid(name, format string, args ...any) error {
	return &userError{name: name, msg: fmt.Sprintf(format, args...), kind: ErrInvalid}
}

func notFound(name, format string, args ...any) error {
	return &userError{name: name, msg: fmt.Sprintf(format, args...), kind: ErrNotFound}
}

// maxNameLen is the longest name accepted, in bytes: the limit of a file
// name, which the dslocal record's name must fit in.
const maxNameLen = 255

// CheckName rejects a name that could not be an account name or that
// could reach outside the directory it is joined to. It is the one
// user-name rule: --user, the User managed preference, a Jamf argument
// and the console user (package mdm) all pass through it.
func CheckName(name string) error {
	switch {
	case name == "":
		return invalid(name, "empty name; pass --user=NAME with the account's short name")
	case len(name) > maxNameLen:
		return invalid(name[:32]+"…", "name is %d bytes long, longer than %d", len(name), maxNameLen)
	case strings.Contains(name, "/"):
		return invalid(name, "name contains '/'")
	case strings.Contains(name, "\x00"):
		return invalid(name, "name contains a NUL byte")
	case strings.ContainsAny(name, "\n\r"):
		return invalid(name, "name contains a line break")
	case strings.Contains(name, ".."):
		return invalid(name, "name contains '..'")
	case name == ".":
		return invalid(name, `name is "."`)
	case strings.Contains(name, ":"):
		return invalid(name, "name contains ':'")
	case name[0] == '-' || name[0] == '+':
		return invalid(name, "name starts with %q", name[0])
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return invalid(name, "name contains a control character")
		}
	}
	return nil
}

// Validate applies docs/contract.md §4 step 1 to a user that was found: not root, not
// a system account (uid below minUID), and with an absolute home.
func Validate(u User, minUID int) error {
	if err := CheckName(u.Name); err != nil {
		return err
	}
	switch {
	case u.UID == 0:
		return invalid(u.Name, "uid 0 is root; pass the account of the person who will use the app")
	case u.UID < minUID:
		return invalid(u.Name, "uid %d is a system account (below %d); pass a person's account", u.UID, minUID)
	case u.Home == "":
		return invalid(u.Name, "has no home directory; give the account a home first")
	case !path.IsAbs(u.Home):
		return invalid(u.Name, "home %q is not an absolute path; fix the account's home", u.Home)
	case hasDotDot(u.Home):
		return invalid(u.Name, "home %q contains '..'; fix the account's home", u.Home)
	}
	return nil
}

func hasDotDot(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if e == ".." {
			return true
		}
	}
	return false
}
