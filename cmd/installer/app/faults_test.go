package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/sampleroot"
)

// faultFS fails the Nth mutating operation (counting from 1) with
// errInjected; failAt 0 only counts. Sub-roots share the counter.
type faultFS struct {
	rootfs.FS
	n      *int
	failAt int
	// before, if set, runs before each mutating operation with its number:
	// a hook for races against apply.
	before func(n int)
}

var errInjected = errors.New("injected fault")

func (f faultFS) hit() error {
	*f.n++
	if f.before != nil {
		f.before(*f.n)
	}
	if *f.n == f.failAt {
		return errInjected
	}
	return nil
}

func (f faultFS) Mkdir(p string, perm fs.FileMode) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.Mkdir(p, perm)
}
func (f faultFS) Symlink(t, p string) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.Symlink(t, p)
}
func (f faultFS) Remove(p string) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.Remove(p)
}
func (f faultFS) WriteFile(p string, d []byte, perm fs.FileMode, o *rootfs.Owner) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.WriteFile(p, d, perm, o)
}
func (f faultFS) WriteFileParts(p string, parts [][]byte, perm fs.FileMode, o *rootfs.Owner) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.WriteFileParts(p, parts, perm, o)
}
func (f faultFS) Link(o, n string) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.Link(o, n)
}
func (f faultFS) Lchown(p string, uid, gid int) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.Lchown(p, uid, gid)
}
func (f faultFS) Chmod(p string, perm fs.FileMode) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.Chmod(p, perm)
}
func (f faultFS) Rename(o, n string) error {
	if err := f.hit(); err != nil {
		return err
	}
	return f.FS.Rename(o, n)
}
func (f faultFS) Sub(dir string) (rootfs.FS, error) {
	s, err := f.FS.Sub(dir)
	if err != nil {
		return nil, err
	}
	return faultFS{FS: s, n: f.n, failAt: f.failAt, before: f.before}, nil
}

// run calls the real CLI in-process on root; failAt as for faultFS; it
// returns the exit code, stderr and the number of mutating operations.
func run(t *testing.T, root string, failAt int, args ...string) (int, string, int) {
	t.Helper()
	return runHooked(t, root, failAt, nil, args...)
}

func runHooked(t *testing.T, root string, failAt int, before func(int), args ...string) (int, string, int) {
	t.Helper()
	var stderr bytes.Buffer
	n := 0
	deps := testDeps()
	deps.Stdout, deps.Stderr = io.Discard, &stderr
	deps.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	deps.OpenRoot = func(dir string) (rootfs.FS, error) {
		r, err := rootfs.Open(dir)
		if err != nil {
			return nil, err
		}
		return faultFS{FS: r, n: &n, failAt: failAt, before: before}, nil
	}
	argv := append([]string{"installer"}, args...)
	argv = append(argv, "--root="+root, "--log-file="+filepath.Join(t.TempDir(), "log"))
	code := Main(context.Background(), argv, deps)
	return code, stderr.String(), n
}

func newRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	d, _ := product.Builtin("docker")
	err := sampleroot.Build(root, sampleroot.Options{Product: d, Hosts: "10.0.0.1 localhost\n",
		Users: []sampleroot.User{{Name: "alice", UID: 501, GID: 20}, {Name: "bob", UID: 502, GID: 20}}})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func listing(t *testing.T, root string) string {
	t.Helper()
	s, err := treeListing(root, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	fullInstall = []string{"install", "--user=alice", "--cli-location=user", "--path-edit=shell", "--kubernetes",
		"--allowed-org=acme", `--admin-settings={"configurationFileVersion":2}`, "--accept-license"}
	systemInstall = []string{"install", "--user=alice", "--kubernetes"}
)

// TestAllOrNothing fails every mutating operation of a run in turn: the
// run must exit 1 naming the step and the cause, and leave the tree
// exactly as it was; with no fault it succeeds.
func TestAllOrNothing(t *testing.T) {
	t.Parallel()
	for _, sc := range []struct {
		name  string
		setup [][]string
		run   []string
	}{
		{"fresh install", nil, fullInstall},
		{"switch options", [][]string{systemInstall}, fullInstall},
		{"switch back", [][]string{fullInstall}, append(systemInstall, "--no-docker-socket")},
		{"uninstall", [][]string{fullInstall}, []string{"uninstall"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			prepare := preparer(t, sc.setup)
			_, _, total := run(t, prepare(), 0, sc.run...)
			for n := 1; ; n++ {
				root := prepare()
				before := listing(t, root)
				code, errOut, _ := run(t, root, n, sc.run...)
				if n > total {
					if code != 0 {
						t.Fatalf("no fault: exit %d: %s", code, errOut)
					}
					if n < 3 {
						t.Fatalf("only %d mutating operations: the scenario tests nothing", total)
					}
					return
				}
				if code != 1 {
					t.Fatalf("fault at op %d/%d: exit %d, want 1: %s", n, total, code, errOut)
				}
				if !strings.Contains(errOut, "step ") || !strings.Contains(errOut, errInjected.Error()) || !strings.Contains(errOut, "all changes of this run were undone") {
					t.Fatalf("fault at op %d: message does not name step and cause: %s", n, errOut)
				}
				if after := listing(t, root); after != before {
					t.Fatalf("fault at op %d/%d: tree changed:\n%s", n, total, diffLines(before, after))
				}
			}
		})
	}
}

// TestConvergence: any sequence of installs ends in the tree a fresh
// install with the last flags gives, and uninstall after any sequence
// gives back the original tree.
func TestConvergence(t *testing.T) {
	t.Parallel()
	user := []string{"install", "--user=alice", "--cli-location=user"}
	for i, seq := range [][][]string{
		{systemInstall, user},
		{fullInstall, append(systemInstall, "--no-docker-socket")},
		{systemInstall, append(user, "--path-edit=shell"), append(user, "--path-edit=none"), append(systemInstall, "--allowed-org=acme")},
		{append(user, "--no-docker-socket", "--proxy-http-mode=manual", "--override-proxy-http=http://proxy:3128"), append(systemInstall, "--docker-socket")},
		{fullInstall, {"install", "--user=bob", "--force", "--cli-location=user", "--path-edit=shell"}},
		{fullInstall, fullInstall, systemInstall, fullInstall},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			a, b := newRoot(t), newRoot(t)
			original := listing(t, a)
			for _, args := range seq {
				if code, errOut, _ := run(t, a, 0, args...); code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, errOut)
				}
			}
			if code, errOut, _ := run(t, b, 0, seq[len(seq)-1]...); code != 0 {
				t.Fatalf("fresh: exit %d: %s", code, errOut)
			}
			if la, lb := listing(t, a), listing(t, b); la != lb {
				t.Fatalf("sequence and fresh install differ:\n%s", diffLines(lb, la))
			}
			if code, errOut, _ := run(t, a, 0, "uninstall"); code != 0 {
				t.Fatalf("uninstall: exit %d: %s", code, errOut)
			}
			if after := listing(t, a); after != original {
				t.Fatalf("uninstall did not restore the tree:\n%s", diffLines(original, after))
			}
		})
	}
}

// diffLines shows lines only in a (-) or only in b (+).
func diffLines(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !mb[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ma[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestLinkSwapDuringApply races the installer: between planning (when
// ~/.docker/bin was checked) and a write into it, the user replaces the
// directory with a link to /etc. Whichever operation the swap lands
// before, no file outside the home changes, and the run either refuses
// (exit 1, undone) or — when the swap comes after the last write into the
// dir — succeeds with the links in the home only.
func TestLinkSwapDuringApply(t *testing.T) {
	t.Parallel()
	args := []string{"install", "--user=alice", "--cli-location=user", "--path-edit=none"}
	_, _, total := run(t, newRoot(t), 0, args...)
	refused := 0
	defer func() {
		if refused == 0 && !t.Failed() {
			t.Fatal("no swap was ever refused: the race was never met")
		}
	}()
	for n := 1; n <= total; n++ {
		root := newRoot(t)
		home := filepath.Join(root, "Users", "alice")
		if err := os.MkdirAll(filepath.Join(home, ".docker", "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		outside := listingExcept(t, root, "Users/alice")
		swap := func(i int) {
			if i != n {
				return
			}
			bin := filepath.Join(home, ".docker", "bin")
			_ = os.Rename(bin, bin+".moved")
			_ = os.Symlink("/etc", bin)
		}
		code, errOut, _ := runHooked(t, root, 0, swap, args...)
		if after := listingExcept(t, root, "Users/alice"); after != outside {
			t.Fatalf("swap before op %d: files outside the home changed (exit %d: %s):\n%s", n, code, errOut, diffLines(outside, after))
		}
		if code != 0 && code != 1 && code != 9 {
			t.Fatalf("swap before op %d: exit %d: %s", n, code, errOut)
		}
		if code != 0 {
			refused++
		}
		// A Mac's /etc holds hosts, paths and paths.d, and newsyslog.d
		// once the install has written its rotation rule there.
		etc, _ := os.ReadDir(filepath.Join(root, "private", "etc"))
		var names []string
		for _, e := range etc {
			if e.Name() != "newsyslog.d" {
				names = append(names, e.Name())
			}
		}
		if len(names) != 3 {
			t.Fatalf("swap before op %d: /etc gained entries: %v", n, names)
		}
	}
}

// listingExcept is listing without one subtree and without the profile
// (which records the home's state).
func listingExcept(t *testing.T, root, skip string) string {
	t.Helper()
	var keep []string
	for _, l := range strings.Split(listing(t, root), "\n") {
		if strings.HasPrefix(l, skip+" ") || strings.HasPrefix(l, skip+"/") || strings.Contains(l, "installer.plist") ||
			strings.HasPrefix(l, "Library/Application Support/com.docker.docker ") || strings.HasPrefix(l, "private/var/run/docker.sock") ||
			strings.HasPrefix(l, "Library/LaunchDaemons/com.docker.socket.plist") || strings.HasPrefix(l, "private/etc/hosts") ||
			strings.HasPrefix(l, "private/etc/newsyslog.d") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// preparer returns a function that makes a new sample root and runs the
// setup commands on it (each must succeed): the state a scenario starts
// from, made again for every run.
func preparer(t *testing.T, setup [][]string) func() string {
	t.Helper()
	return func() string {
		root := newRoot(t)
		for _, s := range setup {
			if code, errOut, _ := run(t, root, 0, s...); code != 0 {
				t.Fatalf("setup %v: exit %d: %s", s, code, errOut)
			}
		}
		return root
	}
}
