package app

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/macfleet/installer/install/rootfs"
)

// runAs is run with the caller's uid and $HOME faked: setup and the
// user-mode uninstall act for the caller (uid 501 is alice, whose home
// the sample root gives her), root's commands for root.
func runAs(t *testing.T, uid int, root string, failAt int, args ...string) (int, string, int) {
	t.Helper()
	var stderr bytes.Buffer
	n := 0
	deps := testDeps()
	deps.Stdout, deps.Stderr = io.Discard, &stderr
	deps.Euid = func() int { return uid }
	deps.Getenv = func(k string) string {
		switch k {
		case "HOME":
			return "/Users/alice"
		case "USER":
			return "alice"
		}
		return ""
	}
	deps.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	deps.OpenRoot = func(dir string) (rootfs.FS, error) {
		r, err := rootfs.Open(dir)
		if err != nil {
			return nil, err
		}
		return faultFS{FS: r, n: &n, failAt: failAt}, nil
	}
	argv := append([]string{"installer"}, args...)
	argv = append(argv, "--root="+root, "--log-file="+filepath.Join(t.TempDir(), "log"))
	return Main(context.Background(), argv, deps), stderr.String(), n
}

// asMadeBy gives what a run "as uid" made in alice's home to that uid,
// before a root run takes over: runAs only pretends to be the user (the
// process stays root), and a real `installer setup` by alice leaves
// nothing root-owned that a root install would give back to her (step
// home-ownership).
func asMadeBy(t *testing.T, root string, uid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	home := filepath.Join(root, "Users", "alice")
	err := filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == 0 {
			return os.Lchown(p, uid, 20)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type asUser struct {
	uid  int
	args []string
}

var (
	setupRun      = asUser{501, []string{"setup"}}
	setupNoPath   = asUser{501, []string{"setup", "--path-edit=none"}}
	userUninstall = asUser{501, []string{"uninstall"}}
	rootSystem    = asUser{0, systemInstall}
	rootUserLoc   = asUser{0, []string{"install", "--user=alice", "--cli-location=user", "--path-edit=shell"}}
	rootUninstall = asUser{0, []string{"uninstall"}}
)

// TestSetupAllOrNothing fails every mutating operation of a user-mode run
// (and of the root install that takes over from it) in turn: exit 1
// naming the step and the cause, the tree exactly as it was.
func TestSetupAllOrNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("many runs")
	}
	for _, sc := range []struct {
		name  string
		setup []asUser
		run   asUser
	}{
		{"fresh setup", nil, setupRun},
		{"path edit off", []asUser{setupRun}, setupNoPath},
		{"user uninstall", []asUser{setupRun}, userUninstall},
		{"hand-over, system", []asUser{setupRun}, rootSystem},
		{"hand-over, user location", []asUser{setupRun}, rootUserLoc},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			prepare := func() string {
				root := newRoot(t)
				for _, s := range sc.setup {
					if code, errOut, _ := runAs(t, s.uid, root, 0, s.args...); code != 0 {
						t.Fatalf("setup %v: exit %d: %s", s.args, code, errOut)
					}
					if s.uid != 0 && sc.run.uid == 0 {
						asMadeBy(t, root, s.uid)
					}
				}
				return root
			}
			_, _, total := runAs(t, sc.run.uid, prepare(), 0, sc.run.args...)
			for n := 1; ; n++ {
				root := prepare()
				before := listing(t, root)
				code, errOut, _ := runAs(t, sc.run.uid, root, n, sc.run.args...)
				if n > total {
					if code != 0 {
						t.Fatalf("no fault: exit %d: %s", code, errOut)
					}
					if n < 3 {
						t.Fatalf("only %d mutating operations: the scenario tests nothing", total)
					}
					return
				}
				if code != 1 || !strings.Contains(errOut, "step ") || !strings.Contains(errOut, errInjected.Error()) ||
					!strings.Contains(errOut, "all changes of this run were undone") {
					t.Fatalf("fault at op %d/%d: exit %d: %s", n, total, code, errOut)
				}
				if after := listing(t, root); after != before {
					t.Fatalf("fault at op %d/%d: tree changed:\n%s", n, total, diffLines(before, after))
				}
			}
		})
	}
}

// TestSetupConvergence: from any mix of setup and root installs, the
// tree is what the last command alone gives, and uninstall (the user's
// after setup, root's after an install) gives back the original tree.
func TestSetupConvergence(t *testing.T) {
	t.Parallel()
	for _, sc := range []struct {
		name string
		seq  []asUser
		undo asUser
	}{
		{"setup, setup", []asUser{setupRun, setupRun}, userUninstall},
		{"setup, no path, shell", []asUser{setupRun, setupNoPath, setupRun}, userUninstall},
		{"setup, system", []asUser{setupRun, rootSystem}, rootUninstall},
		{"setup, user location", []asUser{setupRun, rootUserLoc}, rootUninstall},
		{"setup, user location, system", []asUser{setupNoPath, rootUserLoc, rootSystem}, rootUninstall},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			a, b := newRoot(t), newRoot(t)
			original := listing(t, a)
			for _, s := range sc.seq {
				if code, errOut, _ := runAs(t, s.uid, a, 0, s.args...); code != 0 {
					t.Fatalf("%v: exit %d: %s", s.args, code, errOut)
				}
			}
			last := sc.seq[len(sc.seq)-1]
			if code, errOut, _ := runAs(t, last.uid, b, 0, last.args...); code != 0 {
				t.Fatalf("fresh: exit %d: %s", code, errOut)
			}
			if la, lb := homeAsAlice(listing(t, a)), homeAsAlice(listing(t, b)); la != lb {
				t.Fatalf("sequence and a fresh run differ:\n%s", diffLines(lb, la))
			}
			if code, errOut, _ := runAs(t, sc.undo.uid, a, 0, sc.undo.args...); code != 0 {
				t.Fatalf("uninstall: exit %d: %s", code, errOut)
			}
			if after := listing(t, a); after != original {
				t.Fatalf("uninstall did not restore the tree:\n%s", diffLines(original, after))
			}
		})
	}
}

// homeAsAlice shows what is in alice's home as hers: in-process, "alice"
// is root with a faked uid, so what setup makes is root's on disk, where
// the real alice's setup (the stories) makes it hers.
func homeAsAlice(listing string) string {
	lines := strings.Split(listing, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Users/alice/") {
			lines[i] = strings.Replace(l, " 0:0", " 501:20", 1)
		}
	}
	return strings.Join(lines, "\n")
}
