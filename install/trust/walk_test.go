package trust

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/macfleet/installer/install/rootfs"
)

func TestWalk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files owners")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	mk := func(p string, mode fs.FileMode, uid int) {
		full := filepath.Join(dir, p)
		if mode.IsDir() {
			os.Mkdir(full, 0)
		} else {
			os.WriteFile(full, []byte("x"), 0)
		}
		os.Chmod(full, mode&(fs.ModePerm|fs.ModeSticky))
		if mode&fs.ModeSticky != 0 {
			os.Chmod(full, (mode&fs.ModePerm)|os.ModeSticky)
		}
		os.Lchown(full, uid, 0)
	}
	mk("ok", fs.ModeDir|0o755, 0)
	mk("ok/file", 0o644, 0)
	mk("tmp", fs.ModeDir|fs.ModeSticky|0o777, 0)
	mk("tmp/ours", fs.ModeDir|0o755, 0)
	mk("tmp/file", 0o644, 0)
	mk("open", fs.ModeDir|0o777, 0)
	mk("group", fs.ModeDir|0o775, 0)
	os.Lchown(filepath.Join(dir, "group"), 0, 20)
	mk("admin", fs.ModeDir|0o775, 0)
	os.Lchown(filepath.Join(dir, "admin"), 0, Admin)
	mk("alice", fs.ModeDir|0o755, 501)
	mk("alice/dir", fs.ModeDir|0o755, 0)
	os.Symlink("alice/dir", filepath.Join(dir, "tolice"))
	os.Symlink("ok", filepath.Join(dir, "took"))
	os.Symlink("file", filepath.Join(dir, "ok/link"))

	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	live := Context{Live: true}
	tests := []struct {
		p    string
		want Want
		c    Context
		err  string // "" for trusted
	}{
		{"/ok", Dir, live, ""},
		{"/ok/file", File, live, ""},
		{"/ok/missing/deeper", Any, live, ""},
		{"/took", Dir, live, ""},
		{"/admin", Dir, live, ""},
		{"/tmp/ours", Dir, live, ""},
		{"/tmp", Any, live, `unsafe path /tmp: writable by everyone (mode 0777); fix with: chmod o-w "/tmp"`},
		{"/tmp/file", File, live, `unsafe path /tmp: writable by everyone`},
		{"/open/x", Any, live, `unsafe path /open: writable by everyone (mode 0777); fix with: chmod o-w "/open"`},
		{"/group", Any, live, `unsafe path /group: writable by group 20 (mode 0775); fix with: chmod g-w "/group"`},
		{"/alice/dir", Dir, live, `unsafe path /alice: owned by uid 501, not root; fix with: chown root:wheel "/alice"`},
		{"/alice/dir", Dir, Context{Euid: 501, Egid: 20}, ""},
		{"/alice/dir", Dir, Context{Live: true, AlsoOwner: 501}, ""},
		{"/tolice", Dir, live, `unsafe path /alice: owned by uid 501`},
		{"/ok/link", File, live, `unsafe path /ok/link: it is a symbolic link; remove it by hand`},
		{"/ok", File, live, `unsafe path /ok: it exists and is not a regular file (d---------); remove it by hand`},
		{"/ok/file", Dir, live, `unsafe path /ok/file: it exists and is not a directory`},
		{"/ok/missing", Dir, live, `inspect /ok/missing:`},
	}
	for _, tt := range tests {
		err := Walk(fsys, tt.p, tt.want, tt.c)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v, want trusted", tt.p, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: %v, want %q", tt.p, err, tt.err)
		}
	}
	var unsafe *UnsafeError
	if err := Walk(fsys, "/open", Any, live); !errors.As(err, &unsafe) || unsafe.Path != "/open" || unsafe.Problem.Kind != World {
		t.Errorf("not an UnsafeError naming /open: %v", err)
	}
	if err := Walk(fsys, "/ok/missing", File, live); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file is not ErrNotExist: %v", err)
	}
}
