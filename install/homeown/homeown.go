package homeown

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Entry is one root-owned entry found by Scan.
type Entry struct {
	// Path is relative to the home, slash-separated.
	Path     string
	Dev, Ino uint64
	// Type is the file type bits (unix.S_IFMT) of its mode.
	Type uint32
	GID  int
	// Links is the number of names the entry has (1 unless hard-linked).
	Links uint64
}

// Shared reports whether the entry is a file with other names (a hard
// link): it is never given away, as the other name may be outside the
// home.
func (e Entry) Shared() bool { return e.Type != unix.S_IFDIR && e.Links != 1 }

// Device reports whether the entry is a device node: never given away.
func (e Entry) Device() bool { return e.Type == unix.S_IFCHR || e.Type == unix.S_IFBLK }

// Kept says why the entry is never given away, or "" when it may be: a
// device node; a file with other names (Shared); on macOS a socket,
// which cannot be opened (xnu refuses open(2) on a socket), so its owner
// could only be changed by name after a check by name, and a user who
// swaps in a hard link to a root file between the two would be handed
// that file. (On Linux a socket is changed through an O_PATH descriptor,
// like any entry.) A socket the app finds root's it removes and makes
// again in its own directory.
func (e Entry) Kept() string {
	switch {
	case e.Device():
		return "a device node"
	case e.Shared():
		return "a file with another name (a hard link)"
	case e.Type == unix.S_IFSOCK && !socketByDescriptor:
		return "a socket (its owner cannot be changed without a race)"
	}
	return ""
}

// IsDir reports whether the entry is a directory.
func (e Entry) IsDir() bool { return e.Type == unix.S_IFDIR }

// maxDepth bounds a walk (and the descriptors it holds open).
const maxDepth = 128

// errFull ends a walk that found as many entries as asked.
var errFull = errors.New("enough entries")

// Scan walks each tree (a path relative to the home directory home, a
// host path) and returns the entries owned by uid 0, the tree's root
// included, in walk order; at most limit of them unless limit is 0. A
// tree that is missing, or one of whose components (its root included)
// is a link, is not walked: its root is still reported when it is a link
// owned by root. A directory that cannot be read (a root-owned 0700 one,
// for an unprivileged caller) is reported but not entered.
func Scan(home string, trees []string, limit int) ([]Entry, error) {
	hfd, err := openHome(home)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, nil
		}
		return nil, err
	}
	defer unix.Close(hfd)
	var out []Entry
	seen := map[[2]uint64]bool{}
	for _, t := range trees {
		err := scanTree(hfd, t, limit, &out, seen)
		if errors.Is(err, errFull) {
			break
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func openHome(home string) (int, error) {
	fd, err := unix.Open(home, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open home %s: %w", home, err)
	}
	return fd, nil
}

// openParent opens the directory holding rel (relative to the home
// descriptor hfd), component by component, never through a link.
func openParent(hfd int, rel string) (int, string, error) {
	rel = path.Clean(rel)
	if rel == "." || rel == "" || strings.HasPrefix(rel, "/") || rel == ".." || strings.HasPrefix(rel, "../") {
		return -1, "", fmt.Errorf("%q: not a path inside the home", rel)
	}
	parts := strings.Split(rel, "/")
	fd, err := unix.Dup(hfd)
	if err != nil {
		return -1, "", err
	}
	for _, c := range parts[:len(parts)-1] {
		if c == ".." {
			unix.Close(fd)
			return -1, "", fmt.Errorf("%q: not a path inside the home", rel)
		}
		next, err := unix.Openat(fd, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			return -1, "", err
		}
		fd = next
	}
	return fd, parts[len(parts)-1], nil
}

func scanTree(hfd int, tree string, limit int, out *[]Entry, seen map[[2]uint64]bool) error {
	pfd, name, err := openParent(hfd, tree)
	if err != nil {
		return nil // missing, or a link on the way: not walked
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil
	}
	if err := record(out, seen, path.Clean(tree), &st, limit); err != nil {
		return err
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	dfd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil // unreadable (or swapped for a link): reported, not entered
	}
	defer unix.Close(dfd)
	return walk(dfd, path.Clean(tree), uint64(st.Dev), 1, limit, out, seen)
}

func record(out *[]Entry, seen map[[2]uint64]bool, rel string, st *unix.Stat_t, limit int) error {
	if st.Uid != 0 {
		return nil
	}
	key := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
	if seen[key] {
		return nil
	}
	seen[key] = true
	*out = append(*out, Entry{Path: rel, Dev: uint64(st.Dev), Ino: uint64(st.Ino), Type: uint32(st.Mode) & unix.S_IFMT, GID: int(st.Gid), Links: uint64(st.Nlink)})
	if limit > 0 && len(*out) >= limit {
		return errFull
	}
	return nil
}

// walk records the root-owned entries under the open directory dfd
// (rel), entering subdirectories of the same filesystem only.
func walk(dfd int, rel string, dev uint64, depth, limit int, out *[]Entry, seen map[[2]uint64]bool) error {
	if depth > maxDepth {
		return nil
	}
	names, err := readNames(dfd)
	if err != nil {
		return nil
	}
	for _, n := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(dfd, n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			continue // gone since
		}
		if err := record(out, seen, rel+"/"+n, &st, limit); err != nil {
			return err
		}
		if uint32(st.Mode)&unix.S_IFMT != unix.S_IFDIR || uint64(st.Dev) != dev {
			continue
		}
		cfd, err := unix.Openat(dfd, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		err = walk(cfd, rel+"/"+n, dev, depth+1, limit, out, seen)
		unix.Close(cfd)
		if err != nil {
			return err
		}
	}
	return nil
}

// readNames lists a directory's entries, sorted, from its descriptor.
func readNames(dfd int) ([]string, error) {
	dup, err := unix.Dup(dfd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "dir")
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// ErrChanged says an entry is no longer the one scanned (replaced,
// renamed, given away, or hard-linked since): it is left alone.
var ErrChanged = errors.New("changed since it was scanned")

// Chown gives the entry e (from Scan of the home directory home) to
// uid:gid, if it is still that entry and still root's. The error wraps
// ErrChanged when it is not, and the OS's error (EPERM, EACCES…) when the
// change is refused.
func Chown(home string, e Entry, uid, gid int) error {
	return change(home, e, 0, uid, gid)
}

// Restore gives the entry back to root (uid 0, its old group e.GID), if
// it still belongs to uid: the undo of Chown in a failed run.
func Restore(home string, e Entry, uid int) error {
	return change(home, e, uid, 0, e.GID)
}

func change(home string, e Entry, fromUID, uid, gid int) error {
	if why := e.Kept(); why != "" {
		return fmt.Errorf("%s: %s, never given away: %w", e.Path, why, ErrChanged)
	}
	hfd, err := openHome(home)
	if err != nil {
		return err
	}
	defer unix.Close(hfd)
	pfd, name, err := openParent(hfd, e.Path)
	if err != nil {
		return fmt.Errorf("%s: %w (%v)", e.Path, ErrChanged, err)
	}
	defer unix.Close(pfd)
	check := func(st *unix.Stat_t) error {
		if uint64(st.Dev) != e.Dev || uint64(st.Ino) != e.Ino || uint32(st.Mode)&unix.S_IFMT != e.Type || int(st.Uid) != fromUID ||
			(e.Type != unix.S_IFDIR && st.Nlink != 1) {
			return fmt.Errorf("%s: %w", e.Path, ErrChanged)
		}
		return nil
	}
	if err := chownAt(pfd, name, e.Type, check, uid, gid); err != nil {
		if errors.Is(err, unix.ENOENT) {
			// removed since the scan (a stale socket the app deleted):
			// nothing to change, not a failure of the run
			return fmt.Errorf("%s: %w (removed)", e.Path, ErrChanged)
		}
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	return nil
}
