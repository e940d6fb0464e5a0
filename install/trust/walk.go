package trust

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
)

// FS is what the walk looks at, with logical absolute paths: a
// rootfs.FS for the installer (an image or the live Mac at "/"), the same
// opened on the host's "/" for vmnetd. Resolve follows every link of a
// path; a missing component ends resolution, the rest appended as is.
type FS interface {
	Lstat(p string) (fs.FileInfo, error)
	Resolve(p string) (string, error)
}

// Want is what the trusted path itself must be.
type Want int

const (
	// Any path, or none: a missing component ends the walk.
	Any Want = iota
	// Dir is an existing directory (reached through trusted links); the
	// directory itself may not be sticky and open to all.
	Dir
	// File is an existing regular file, not a link, in a directory that
	// is itself not sticky and open to all.
	File
)

// UnsafeError says a path root would trust can be changed by someone
// other than root, or is not what root expects there.
type UnsafeError struct {
	Path    string
	Problem *Problem
}

func (e *UnsafeError) Error() string {
	if fix := e.Problem.Fix(e.Path); fix != "" {
		return fmt.Sprintf("unsafe path %s: %s; fix with: %s", e.Path, e.Problem.Error(), fix)
	}
	return fmt.Sprintf("unsafe path %s: %s; remove it by hand", e.Path, e.Problem.Error())
}

// NotA is the problem of an entry that exists and is not what is wanted:
// a link (mode a symlink) or an entry of another type than want ("a
// directory", "a regular file", "a socket").
func NotA(mode fs.FileMode, want string) *Problem {
	if mode&fs.ModeSymlink != 0 {
		return &Problem{Kind: Link, Mode: mode}
	}
	return &Problem{Kind: Type, Mode: mode, Want: want}
}

// Walk applies the rule to p and to every existing directory above it,
// from the top down, inside fsys's root: then again on the path p
// resolves to when it holds links (each link on the way is judged by its
// owner, and where it leads by the rule). A directory above the path may
// be sticky and writable by all; the path itself (and, for a File, its
// directory) may not. An *UnsafeError names the first component that
// fails.
func Walk(fsys FS, p string, want Want, c Context) error {
	strict := 1
	if want == File {
		strict = 2
	}
	if err := walk(fsys, p, strict, c); err != nil {
		return err
	}
	res, err := fsys.Resolve(p)
	if err != nil {
		return fmt.Errorf("unsafe path %s: %w", p, err)
	}
	if res != p {
		if err := walk(fsys, res, strict, c); err != nil {
			return err
		}
	}
	switch want {
	case Dir:
		fi, err := fsys.Lstat(res)
		if err != nil {
			return fmt.Errorf("inspect %s: %w", p, err)
		}
		if !fi.IsDir() {
			return &UnsafeError{res, NotA(fi.Mode(), "a directory")}
		}
	case File:
		fi, err := fsys.Lstat(p)
		if err != nil {
			return fmt.Errorf("inspect %s: %w", p, err)
		}
		if !fi.Mode().IsRegular() {
			return &UnsafeError{p, NotA(fi.Mode(), "a regular file")}
		}
	}
	return nil
}

// walk checks the components of p from the top down until one is
// missing; the last strict ones are not "above".
func walk(fsys FS, p string, strict int, c Context) error {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	q := ""
	for i, part := range parts {
		q += "/" + part
		fi, err := fsys.Lstat(q)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("inspect %s: %w", q, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("inspect %s: no owner information on this system", q)
		}
		if pr := Check(Entry{UID: st.Uid, GID: st.Gid, Mode: fi.Mode(), Above: i < len(parts)-strict}, c); pr != nil {
			return &UnsafeError{q, pr}
		}
	}
	return nil
}
