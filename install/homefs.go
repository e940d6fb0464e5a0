package install

import (
	"io"
	"io/fs"
	"strings"

	"github.com/macfleet/installer/install/rootfs"
)

// homeFS presents a user's home, opened as a strict sub-root, under its
// logical path (/Users/alice/...), so plans and receipts name real paths
// while every access stays inside the home: a link the user made that
// leads out of it is an error, never followed.
type homeFS struct {
	sub  rootfs.FS
	base string // "/Users/alice"
}

func (h homeFS) in(p string) string {
	rel := strings.TrimPrefix(p, h.base)
	if rel == "" {
		return "/"
	}
	return rel
}

func (h homeFS) Dir() string { return h.sub.Dir() }
func (h homeFS) Resolve(p string) (string, error) {
	r, err := h.sub.Resolve(h.in(p))
	if err != nil {
		return "", err
	}
	if r == "/" {
		return h.base, nil
	}
	return h.base + r, nil
}
func (h homeFS) Lstat(p string) (fs.FileInfo, error)     { return h.sub.Lstat(h.in(p)) }
func (h homeFS) Stat(p string) (fs.FileInfo, error)      { return h.sub.Stat(h.in(p)) }
func (h homeFS) ReadFile(p string) ([]byte, error)       { return h.sub.ReadFile(h.in(p)) }
func (h homeFS) Open(p string) (fs.File, error)          { return h.sub.Open(h.in(p)) }
func (h homeFS) ReadDir(p string) ([]fs.DirEntry, error) { return h.sub.ReadDir(h.in(p)) }
func (h homeFS) Readlink(p string) (string, error)       { return h.sub.Readlink(h.in(p)) }
func (h homeFS) Mkdir(p string, perm fs.FileMode) error  { return h.sub.Mkdir(h.in(p), perm) }
func (h homeFS) Symlink(target, p string) error          { return h.sub.Symlink(target, h.in(p)) }
func (h homeFS) Remove(p string) error                   { return h.sub.Remove(h.in(p)) }
func (h homeFS) WriteFile(p string, data []byte, perm fs.FileMode, o *rootfs.Owner) error {
	return h.sub.WriteFile(h.in(p), data, perm, o)
}
func (h homeFS) WriteFileParts(p string, parts [][]byte, perm fs.FileMode, o *rootfs.Owner) error {
	return h.sub.WriteFileParts(h.in(p), parts, perm, o)
}
func (h homeFS) Link(o, n string) error                 { return h.sub.Link(h.in(o), h.in(n)) }
func (h homeFS) Lchown(p string, uid, gid int) error    { return h.sub.Lchown(h.in(p), uid, gid) }
func (h homeFS) Rename(o, n string) error               { return h.sub.Rename(h.in(o), h.in(n)) }
func (h homeFS) Chmod(p string, perm fs.FileMode) error { return h.sub.Chmod(h.in(p), perm) }
func (h homeFS) Lock(p string) (io.Closer, error)       { return h.sub.Lock(h.in(p)) }
func (h homeFS) Sub(dir string) (rootfs.FS, error)      { return h.sub.Sub(h.in(dir)) }

// under reports whether p is dir or inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// OpenHome opens home (a logical path in fsys) as a strict sub-root that
// still answers to logical paths: what uninstall and diagnose use to reach
// a receipt's items in a user's home without following the user's links.
func OpenHome(fsys rootfs.FS, home string) (rootfs.FS, error) {
	sub, err := fsys.Sub(home)
	if err != nil {
		return nil, err
	}
	return homeFS{sub: sub, base: home}, nil
}
