package rootfs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxLinks bounds symlink resolution like the kernel's MAXSYMLINKS.
const maxLinks = 40

// FS is the filesystem of a target root. Paths are logical: absolute and
// interpreted inside the root. Mutating methods never follow a symlink in
// their last component; Stat, ReadFile and ReadDir do.
type FS interface {
	// Dir is the host directory of the root (for messages only).
	Dir() string
	// Resolve follows every symlink in p and returns the physical logical
	// path it names. A missing component ends resolution: the rest of p is
	// appended as is.
	Resolve(p string) (string, error)
	Lstat(p string) (fs.FileInfo, error)
	Stat(p string) (fs.FileInfo, error)
	ReadFile(p string) ([]byte, error)
	// Open opens the regular file p for reading, resolved like ReadFile;
	// anything else (a FIFO, a device, a link swapped in after the
	// resolution) is an error, and opening never blocks.
	Open(p string) (fs.File, error)
	ReadDir(p string) ([]fs.DirEntry, error)
	Readlink(p string) (string, error)

	Mkdir(p string, perm fs.FileMode) error
	Symlink(target, p string) error
	Remove(p string) error
	// WriteFile replaces p atomically: a temporary file in the same
	// directory is written, fsynced, given perm (and owner unless nil) and
	// renamed over p; the directory is then fsynced.
	WriteFile(p string, data []byte, perm fs.FileMode, owner *Owner) error
	// WriteFileParts is WriteFile of the parts' concatenation, written
	// one after the other, so a big file's edit is never built as a copy.
	WriteFileParts(p string, parts [][]byte, perm fs.FileMode, owner *Owner) error
	// Link makes newp a hard link to the file oldp (neither followed if
	// a link), inside the root.
	Link(oldp, newp string) error
	Lchown(p string, uid, gid int) error
	Chmod(p string, perm fs.FileMode) error
	// Rename moves oldp to newp, neither followed if a link.
	Rename(oldp, newp string) error
	// Lock takes an exclusive, non-blocking flock on p (created 0644 if
	// missing). ErrLocked means another process holds it.
	Lock(p string) (io.Closer, error)
	// Sub opens dir (resolved like any path) as a strict root of its own:
	// there, a symlink whose target is absolute or climbs above dir is an
	// error (ErrEscape) instead of being followed. Used for a user's home,
	// whose links the user controls.
	Sub(dir string) (FS, error)
}

// ErrEscape is returned by a strict root for a link that would leave it.
var ErrEscape = errors.New("symlink leaves the directory")

// EscapeError is ErrEscape with the link met: Link (a path inside the
// strict root) points to Target, which leaves it.
type EscapeError struct{ Path, Link, Target string }

func (e *EscapeError) Error() string {
	return fmt.Sprintf("resolve %s: %s -> %s: %v", e.Path, e.Link, e.Target, ErrEscape)
}

func (e *EscapeError) Is(target error) bool { return target == ErrEscape }

// Owner is a numeric owner for new files.
type Owner struct{ UID, GID int }

// ErrLocked is returned by Lock when the lock is held elsewhere.
var ErrLocked = errors.New("lock is held by another process")

// Root is the FS backed by os.Root.
type Root struct {
	dir    string
	root   *os.Root
	strict bool
}

// Open opens the target root at dir.
func Open(dir string) (*Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open target root %s: %w", dir, err)
	}
	return &Root{dir: dir, root: r}, nil
}

// Close releases the root's directory handle.
func (r *Root) Close() error { return r.root.Close() }

// Dir implements FS.
func (r *Root) Dir() string { return r.dir }

// rel turns a clean logical path into the name os.Root expects.
func rel(p string) string {
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// Clean validates a logical path and returns it cleaned.
func Clean(p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("path %q is not absolute", p)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", fmt.Errorf("path %q contains a NUL byte", p)
	}
	return path.Clean(p), nil
}

// Resolve implements FS.
func (r *Root) Resolve(p string) (string, error) { return r.resolve(p, true) }

// resolveParent resolves every component of p but the last, which is
// returned unresolved so that the caller acts on the entry itself.
func (r *Root) resolveParent(p string) (string, error) { return r.resolve(p, false) }

func (r *Root) resolve(p string, followLast bool) (string, error) {
	clean, err := Clean(p)
	if err != nil {
		return "", err
	}
	if clean == "/" {
		return "/", nil
	}
	todo := strings.Split(clean[1:], "/")
	var done []string // physical components resolved so far
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		next := "/" + path.Join(append(done, c)...)
		if len(todo) == 0 && !followLast {
			done = append(done, c)
			break
		}
		fi, err := r.root.Lstat(rel(next))
		if errors.Is(err, fs.ErrNotExist) {
			done = append(done, c)
			done = append(done, todo...)
			todo = nil
			break
		}
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", p, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		links++
		if links > maxLinks {
			return "", fmt.Errorf("resolve %s: %w", p, syscall.ELOOP)
		}
		target, err := r.root.Readlink(rel(next))
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", p, err)
		}
		if strings.HasPrefix(target, "/") {
			if r.strict {
				return "", &EscapeError{Path: p, Link: next, Target: target}
			}
			done = nil
		}
		if r.strict && climbs(done, target) {
			return "", &EscapeError{Path: p, Link: next, Target: target}
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return "/" + path.Join(done...), nil
}

// climbs reports whether a relative link target, followed from the
// directory done, goes above the root.
func climbs(done []string, target string) bool {
	depth := len(done)
	for _, c := range strings.Split(target, "/") {
		switch c {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

// Sub implements FS.
func (r *Root) Sub(dir string) (FS, error) {
	n, err := r.op("open", dir, true)
	if err != nil {
		return nil, err
	}
	sub, err := r.root.OpenRoot(n)
	if err != nil {
		return nil, wrap("open", dir, err)
	}
	return &Root{dir: path.Join(r.dir, n), root: sub, strict: true}, nil
}

func (r *Root) op(name, p string, followLast bool) (string, error) {
	var (
		res string
		err error
	)
	if followLast {
		res, err = r.Resolve(p)
	} else {
		res, err = r.resolveParent(p)
	}
	if err != nil {
		return "", &fs.PathError{Op: name, Path: p, Err: err}
	}
	return rel(res), nil
}

// wrap reports errors with the logical path the caller used, not the
// resolved one, so messages name what the administrator asked for.
func wrap(name, p string, err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: name, Path: p, Err: pe.Err}
	}
	return &fs.PathError{Op: name, Path: p, Err: err}
}

// Lstat implements FS.
func (r *Root) Lstat(p string) (fs.FileInfo, error) {
	n, err := r.op("lstat", p, false)
	if err != nil {
		return nil, err
	}
	fi, err := r.root.Lstat(n)
	return fi, wrap("lstat", p, err)
}

// Stat implements FS.
func (r *Root) Stat(p string) (fs.FileInfo, error) {
	n, err := r.op("stat", p, true)
	if err != nil {
		return nil, err
	}
	fi, err := r.root.Lstat(n)
	return fi, wrap("stat", p, err)
}

// ReadFile implements FS.
func (r *Root) ReadFile(p string) ([]byte, error) {
	n, err := r.op("read", p, true)
	if err != nil {
		return nil, err
	}
	b, err := r.root.ReadFile(n)
	return b, wrap("read", p, err)
}

// Open implements FS.
func (r *Root) Open(p string) (fs.File, error) {
	n, err := r.op("open", p, true)
	if err != nil {
		return nil, err
	}
	f, err := r.root.OpenFile(n, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, wrap("open", p, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
		}
		return nil, wrap("open", p, err)
	}
	return f, nil
}

// ReadDir implements FS; entries are sorted by name.
func (r *Root) ReadDir(p string) ([]fs.DirEntry, error) {
	n, err := r.op("readdir", p, true)
	if err != nil {
		return nil, err
	}
	ents, err := fs.ReadDir(r.root.FS(), n)
	return ents, wrap("readdir", p, err)
}

// Readlink implements FS.
func (r *Root) Readlink(p string) (string, error) {
	n, err := r.op("readlink", p, false)
	if err != nil {
		return "", err
	}
	t, err := r.root.Readlink(n)
	return t, wrap("readlink", p, err)
}

// Mkdir implements FS. The mode is set explicitly so the umask of the
// calling process does not decide it.
func (r *Root) Mkdir(p string, perm fs.FileMode) error {
	n, err := r.op("mkdir", p, false)
	if err != nil {
		return err
	}
	// os.Root.Mkdir takes permission bits only; the sticky bit comes with
	// the chmod.
	if err := r.root.Mkdir(n, perm.Perm()); err != nil {
		return wrap("mkdir", p, err)
	}
	return wrap("mkdir", p, r.root.Chmod(n, perm))
}

// Symlink implements FS.
func (r *Root) Symlink(target, p string) error {
	n, err := r.op("symlink", p, false)
	if err != nil {
		return err
	}
	return wrap("symlink", p, r.root.Symlink(target, n))
}

// Remove implements FS.
func (r *Root) Remove(p string) error {
	n, err := r.op("remove", p, false)
	if err != nil {
		return err
	}
	return wrap("remove", p, r.root.Remove(n))
}

// Rename implements FS.
func (r *Root) Rename(oldp, newp string) error {
	o, err := r.op("rename", oldp, false)
	if err != nil {
		return err
	}
	n, err := r.op("rename", newp, false)
	if err != nil {
		return err
	}
	return wrap("rename", newp, r.root.Rename(o, n))
}

// Link implements FS.
func (r *Root) Link(oldp, newp string) error {
	o, err := r.op("link", oldp, false)
	if err != nil {
		return err
	}
	n, err := r.op("link", newp, false)
	if err != nil {
		return err
	}
	return wrap("link", newp, r.root.Link(o, n))
}

// Lchown implements FS.
func (r *Root) Lchown(p string, uid, gid int) error {
	n, err := r.op("chown", p, false)
	if err != nil {
		return err
	}
	return wrap("chown", p, r.root.Lchown(n, uid, gid))
}

// Chmod implements FS. It refuses symlinks rather than follow them.
func (r *Root) Chmod(p string, perm fs.FileMode) error {
	n, err := r.op("chmod", p, false)
	if err != nil {
		return err
	}
	fi, err := r.root.Lstat(n)
	if err != nil {
		return wrap("chmod", p, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return wrap("chmod", p, errors.New("is a symlink"))
	}
	return wrap("chmod", p, r.root.Chmod(n, perm))
}

// WriteFile implements FS. renameio cannot be used here: it works on host
// paths and would follow links out of the root; the temp-file-and-rename
// is done through os.Root instead.
func (r *Root) WriteFile(p string, data []byte, perm fs.FileMode, owner *Owner) error {
	return r.WriteFileParts(p, [][]byte{data}, perm, owner)
}

// WriteFileParts implements FS.
func (r *Root) WriteFileParts(p string, parts [][]byte, perm fs.FileMode, owner *Owner) error {
	n, err := r.op("write", p, false)
	if err != nil {
		return err
	}
	dir, base := path.Split(n)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := dir + "." + base + ".tmp-" + hex.EncodeToString(rnd[:])
	f, err := r.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return wrap("write", p, err)
	}
	err = writeSync(f, parts, perm, owner)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = r.root.Rename(tmp, n)
	}
	if err != nil {
		_ = r.root.Remove(tmp)
		return wrap("write", p, err)
	}
	r.removeStaleTemps(dir, base)
	return wrap("write", p, r.syncDir(dir))
}

// removeStaleTemps deletes temp files of earlier writes of the same file
// that were killed before their rename (kill -9, power loss): the installer
// holds the lock, so no write of this file is in flight.
func (r *Root) removeStaleTemps(dir, base string) {
	d := dir
	if d == "" {
		d = "."
	}
	f, err := r.root.Open(d)
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	prefix := "." + base + ".tmp-"
	for _, n := range names {
		if rest, ok := strings.CutPrefix(n, prefix); ok && len(rest) == 12 && isHex(rest) {
			_ = r.root.Remove(dir + n)
		}
	}
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func writeSync(f *os.File, parts [][]byte, perm fs.FileMode, owner *Owner) error {
	for _, data := range parts {
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	if owner != nil {
		if err := f.Chown(owner.UID, owner.GID); err != nil {
			return err
		}
	}
	// After chown: it clears set-id bits, and the mode must not depend
	// on the umask.
	if err := f.Chmod(perm); err != nil {
		return err
	}
	return f.Sync()
}

func (r *Root) syncDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	d, err := r.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// Lock implements FS.
func (r *Root) Lock(p string) (io.Closer, error) {
	n, err := r.op("lock", p, false)
	if err != nil {
		return nil, err
	}
	f, err := r.root.OpenFile(n, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, wrap("lock", p, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, wrap("lock", p, ErrLocked)
		}
		return nil, wrap("lock", p, err)
	}
	return f, nil
}
