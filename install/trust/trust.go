package trust

import (
	"fmt"
	"io/fs"
)

// The groups whose write bit never hands a path to a user: on a Mac only
// root is in wheel and daemon, and an admin can become root anyway, which
// is why /Library and /Applications (root:admin 0775) and a booted Mac's
// /private/var/run (root:daemon 0775) are trusted (helper/SECURITY.md).
const (
	Wheel  = 0
	Daemon = 1
	Admin  = 80
)

// Context is who asks and where.
type Context struct {
	// Live is an install on the running system; offline is an image tree.
	Live bool
	// Euid and Egid are the invoking process's effective ids. Offline as
	// a non-root user (an image tree owned by that user) the user and her
	// group count as root's.
	Euid, Egid int
	// AlsoOwner, when not 0, is one more uid that may own the path: the
	// target user, for the CLI dir of an app she dragged into
	// /Applications (root only links to her tools, never runs them).
	AlsoOwner uint32
}

// relaxed reports whether the invoking user stands in for root.
func (c Context) relaxed() bool { return !c.Live && c.Euid != 0 }

// Entry is what the rule looks at for one path component.
type Entry struct {
	UID, GID uint32
	// Mode is as os.Lstat reports it: type bits, sticky and permissions.
	Mode fs.FileMode
	// Above is true for a directory above the path being trusted (one of
	// its ancestors), false for the path itself.
	Above bool
}

// Kind names why an entry is not trusted.
type Kind int

const (
	// Owner: owned by someone other than root (or the invoking user).
	Owner Kind = iota + 1
	// World: writable by everyone.
	World
	// Group: writable by a group that holds users other than root.
	Group
	// Link: a symbolic link where root wants the entry itself.
	Link
	// Type: an entry of another type than root wants there.
	Type
)

// Problem says why an entry cannot be trusted, in words a person can act on.
type Problem struct {
	Kind Kind
	UID  uint32
	GID  uint32
	Perm fs.FileMode
	// Mode (Link and Type) is the entry's mode; Want (Type) what root
	// wants there, such as "a directory".
	Mode fs.FileMode
	Want string
}

func (p *Problem) Error() string {
	switch p.Kind {
	case Owner:
		return fmt.Sprintf("owned by uid %d, not root", p.UID)
	case World:
		return fmt.Sprintf("writable by everyone (mode %04o)", p.Perm)
	case Link:
		return "it is a symbolic link"
	case Type:
		return fmt.Sprintf("it exists and is not %s (%s)", p.Want, p.Mode.Type())
	default:
		return fmt.Sprintf("writable by group %d (mode %04o)", p.GID, p.Perm)
	}
}

// Fix is the command that makes path trusted; "" when no command can
// (a link or an entry of the wrong type must be removed by hand).
func (p *Problem) Fix(path string) string {
	switch p.Kind {
	case Link, Type:
		return ""
	case Owner:
		return fmt.Sprintf("chown root:wheel %q", path)
	case World:
		return fmt.Sprintf("chmod o-w %q", path)
	default:
		return fmt.Sprintf("chmod g-w %q", path)
	}
}

// OwnerOK reports whether uid may own a trusted path.
func OwnerOK(uid uint32, c Context) bool {
	return uid == 0 || (c.AlsoOwner != 0 && uid == c.AlsoOwner) || (c.relaxed() && int64(uid) == int64(c.Euid))
}

// GroupOK reports whether a group write bit of gid leaves a path trusted.
func GroupOK(gid uint32, c Context) bool {
	switch {
	case gid == Wheel, gid == Daemon, gid == Admin:
		return true
	}
	return c.relaxed() && int64(gid) == int64(c.Egid)
}

// Check applies the rule to one entry: nil when root may trust it. A link
// is judged by its owner only (its mode means nothing); a sticky directory
// above the path may be writable by others, who cannot rename or remove
// the root-owned entry below it.
func Check(e Entry, c Context) *Problem {
	perm := e.Mode.Perm()
	if !OwnerOK(e.UID, c) {
		return &Problem{Kind: Owner, UID: e.UID, GID: e.GID, Perm: perm}
	}
	if e.Mode&fs.ModeSymlink != 0 {
		return nil
	}
	if e.Above && e.Mode.IsDir() && e.Mode&fs.ModeSticky != 0 {
		return nil
	}
	if perm&0o002 != 0 {
		return &Problem{Kind: World, UID: e.UID, GID: e.GID, Perm: perm}
	}
	if perm&0o020 != 0 && !GroupOK(e.GID, c) {
		return &Problem{Kind: Group, UID: e.UID, GID: e.GID, Perm: perm}
	}
	return nil
}
