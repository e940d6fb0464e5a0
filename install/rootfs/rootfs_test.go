package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// macRoot builds a small tree laid out like macOS, inside a parent
// directory that holds a "victim" tree no write may ever reach.
func macRoot(t *testing.T) (root, outside string) {
	t.Helper()
	parent := t.TempDir()
	outside = filepath.Join(parent, "outside")
	root = filepath.Join(parent, "a", "b", "root")
	for _, d := range []string{outside + "/etc", root + "/private/etc", root + "/private/var/run", root + "/usr"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.WriteFile(outside+"/etc/hosts", []byte("outside\n"), 0o644))
	must(t, os.WriteFile(root+"/private/etc/hosts", []byte("inside\n"), 0o644))
	must(t, os.Symlink("private/etc", root+"/etc"))
	must(t, os.Symlink("private/var", root+"/var"))
	return root, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, dir string) *Root {
	t.Helper()
	r, err := Open(dir)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func TestResolveMacLayout(t *testing.T) {
	root, _ := macRoot(t)
	r := open(t, root)
	for in, want := range map[string]string{
		"/etc/hosts":          "/private/etc/hosts",
		"/var/run/x.lock":     "/private/var/run/x.lock",
		"/etc/../usr":         "/usr",
		"/../../etc/hosts":    "/private/etc/hosts",
		"/usr/local/bin/tool": "/usr/local/bin/tool", // missing tail kept
		"/":                   "/",
	} {
		got, err := r.Resolve(in)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	b, err := r.ReadFile("/etc/hosts")
	if err != nil || string(b) != "inside\n" {
		t.Fatalf("ReadFile through etc -> private/etc = %q, %v", b, err)
	}
}

// TestTrapsStayInside replaces the root's etc with links that, followed on
// the host, would lead out of the root; every read and write must land
// inside it, and the outside file must never change.
func TestTrapsStayInside(t *testing.T) {
	traps := []struct{ name, target string }{
		{"absolute", "/etc"},
		{"dotdot", "../../.."},
		{"dotdot-etc", "../../../outside/etc"},
		{"host-absolute", ""}, // filled in: absolute host path of outside/etc
		{"self", "etc"},
		{"loop-pair", "loop"},
	}
	for _, tc := range traps {
		t.Run(tc.name, func(t *testing.T) {
			root, outside := macRoot(t)
			target := tc.target
			if target == "" {
				target = outside + "/etc"
			}
			must(t, os.Remove(root+"/etc"))
			must(t, os.Symlink(target, root+"/etc"))
			if tc.name == "loop-pair" {
				must(t, os.Symlink("etc", root+"/loop"))
			}
			r := open(t, root)

			res, err := r.Resolve("/etc/hosts")
			if err == nil && !strings.HasPrefix(res, "/") {
				t.Fatalf("Resolve gave non-absolute %q", res)
			}
			_ = r.WriteFile("/etc/hosts", []byte("pwned\n"), 0o644, nil)
			_ = r.Symlink("/x", "/etc/newlink")
			_ = r.Mkdir("/etc/newdir", 0o755)
			_ = r.Remove("/etc/hosts")
			_ = r.Lchown("/etc/hosts", 65534, 65534)

			b, err := os.ReadFile(outside + "/etc/hosts")
			if err != nil || string(b) != "outside\n" {
				t.Fatalf("outside file changed: %q, %v", b, err)
			}
			ents, _ := os.ReadDir(outside + "/etc")
			if len(ents) != 1 {
				t.Fatalf("outside dir gained entries: %v", ents)
			}
			ents, _ = os.ReadDir(filepath.Dir(filepath.Dir(root)))
			if len(ents) != 1 {
				t.Fatalf("entries appeared beside the root: %v", ents)
			}
		})
	}
}

func TestAbsoluteLinkInsideRootIsFollowedInside(t *testing.T) {
	root, outside := macRoot(t)
	// A hosts file that is an absolute link, as a user might leave it: it
	// names the root's own file, not the host's.
	must(t, os.MkdirAll(root+"/Users/alice", 0o755))
	must(t, os.WriteFile(root+"/Users/alice/hosts", []byte("alice\n"), 0o644))
	must(t, os.Remove(root+"/private/etc/hosts"))
	must(t, os.Symlink("/Users/alice/hosts", root+"/private/etc/hosts"))
	r := open(t, root)
	res, err := r.Resolve("/etc/hosts")
	if err != nil || res != "/Users/alice/hosts" {
		t.Fatalf("Resolve = %q, %v", res, err)
	}
	must(t, r.WriteFile(res, []byte("edited\n"), 0o644, nil))
	b, _ := os.ReadFile(root + "/Users/alice/hosts")
	if string(b) != "edited\n" {
		t.Fatalf("target not edited: %q", b)
	}
	if fi, _ := os.Lstat(root + "/private/etc/hosts"); fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the link itself was replaced")
	}
	b, _ = os.ReadFile(outside + "/etc/hosts")
	if string(b) != "outside\n" {
		t.Fatal("outside changed")
	}
}

func TestLoopIsAnError(t *testing.T) {
	root, _ := macRoot(t)
	must(t, os.Symlink("b", root+"/a"))
	must(t, os.Symlink("a", root+"/b"))
	r := open(t, root)
	if _, err := r.Resolve("/a/x"); !errors.Is(err, syscall.ELOOP) {
		t.Fatalf("Resolve loop: %v", err)
	}
}

func TestMutationsDoNotFollowLastLink(t *testing.T) {
	root, _ := macRoot(t)
	must(t, os.Symlink("/etc/hosts", root+"/usr/link"))
	r := open(t, root)
	must(t, r.Remove("/usr/link"))
	if _, err := os.Lstat(root + "/private/etc/hosts"); err != nil {
		t.Fatal("Remove followed the link and removed its target")
	}
	must(t, os.Symlink("/etc/hosts", root+"/usr/link"))
	if err := r.Chmod("/usr/link", 0o777); err == nil {
		t.Fatal("Chmod on a link succeeded")
	}
	fi, _ := os.Stat(root + "/private/etc/hosts")
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("link target mode changed to %v", fi.Mode())
	}
}

func TestWriteFileAtomicModeOwner(t *testing.T) {
	root, _ := macRoot(t)
	r := open(t, root)
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	var owner *Owner
	if os.Geteuid() == 0 {
		owner = &Owner{UID: 501, GID: 20}
	}
	must(t, r.WriteFile("/etc/new", []byte("x"), 0o644, owner))
	fi, err := os.Lstat(root + "/private/etc/new")
	must(t, err)
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644 regardless of umask", fi.Mode())
	}
	if owner != nil {
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 501 || st.Gid != 20 {
			t.Fatalf("owner %d:%d", st.Uid, st.Gid)
		}
	}
	ents, _ := os.ReadDir(root + "/private/etc")
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temp file left behind: %s", e.Name())
		}
	}
}

func TestLock(t *testing.T) {
	root, _ := macRoot(t)
	r := open(t, root)
	l, err := r.Lock("/var/run/docker-installer.lock")
	must(t, err)
	r2 := open(t, root)
	if _, err := r2.Lock("/var/run/docker-installer.lock"); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v", err)
	}
	must(t, l.Close())
	l2, err := r2.Lock("/var/run/docker-installer.lock")
	must(t, err)
	l2.Close()
}

func TestCleanRejectsRelativeAndNUL(t *testing.T) {
	for _, p := range []string{"etc/hosts", "", "/etc/\x00hosts"} {
		if _, err := Clean(p); err == nil {
			t.Errorf("Clean(%q) accepted", p)
		}
	}
}

// TestSubIsStrict: in a user's home, links the user made must not lead
// root anywhere else: absolute targets and targets above the home fail.
func TestSubIsStrict(t *testing.T) {
	root, _ := macRoot(t)
	home := root + "/Users/alice"
	must(t, os.MkdirAll(home+"/real", 0o755))
	must(t, os.Symlink("/etc", home+"/abs"))
	must(t, os.Symlink("../../private/etc", home+"/up"))
	must(t, os.Symlink("real", home+"/inside"))
	must(t, os.Symlink("/etc/hosts", home+"/.zprofile"))
	r := open(t, root)
	sub, err := r.Sub("/Users/alice")
	must(t, err)
	for _, p := range []string{"/abs/hosts", "/up/hosts", "/.zprofile"} {
		if _, err := sub.ReadFile(p); !errors.Is(err, ErrEscape) && !strings.Contains(fmt.Sprint(err), "escape") {
			t.Errorf("ReadFile(%s) = %v, want ErrEscape", p, err)
		}
		_ = sub.WriteFile(p, []byte("pwned"), 0o644, nil)
	}
	// The last component of a write is never followed: the link is replaced.
	b, _ := os.ReadFile(root + "/private/etc/hosts")
	if string(b) != "inside\n" {
		t.Fatalf("write through a home link reached %q", b)
	}
	must(t, sub.WriteFile("/inside/f", []byte("ok"), 0o644, nil))
	if b, _ := os.ReadFile(home + "/real/f"); string(b) != "ok" {
		t.Fatal("link inside the home not followed")
	}
}

func TestWriteFileRemovesStaleTemps(t *testing.T) {
	root, _ := macRoot(t)
	r := open(t, root)
	stale := root + "/private/etc/.hosts.tmp-0123456789ab"
	other := root + "/private/etc/.hosts.tmp-notours"
	must(t, os.WriteFile(stale, []byte("half"), 0o600))
	must(t, os.WriteFile(other, []byte("keep"), 0o600))
	must(t, r.WriteFile("/etc/hosts", []byte("new\n"), 0o644, nil))
	if _, err := os.Lstat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("stale temp file of a killed write left behind")
	}
	if _, err := os.Lstat(other); err != nil {
		t.Fatal("a file that is not our temp file was removed")
	}
}
