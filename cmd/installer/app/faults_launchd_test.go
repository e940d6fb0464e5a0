package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/macfleet/installer/install/launchd"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// faultRunner fails the Nth mutating operation like faultFS, counting
// launchctl calls that change the system domain with the file operations.
type faultRunner struct {
	launchd.Runner
	f faultFS
}

func (r faultRunner) Bootstrap(p string) error {
	if err := r.f.hit(); err != nil {
		return err
	}
	return r.Runner.Bootstrap(p)
}
func (r faultRunner) Rebootstrap(p string) error {
	if err := r.f.hit(); err != nil {
		return err
	}
	return r.Runner.Rebootstrap(p)
}
func (r faultRunner) Bootout(l string) error {
	if err := r.f.hit(); err != nil {
		return err
	}
	return r.Runner.Bootout(l)
}
func (r faultRunner) Enable(l string) error {
	if err := r.f.hit(); err != nil {
		return err
	}
	return r.Runner.Enable(l)
}
func (r faultRunner) Disable(l string) error {
	if err := r.f.hit(); err != nil {
		return err
	}
	return r.Runner.Disable(l)
}
func (r faultRunner) Kickstart(l string) error {
	if err := r.f.hit(); err != nil {
		return err
	}
	return r.Runner.Kickstart(l)
}

// liveModel is the launchd model of a root treated as the running Mac.
func liveModel(root string) *launchd.Model {
	return &launchd.Model{Root: root, StatePath: root + ".launchd.json", Settle: 500 * time.Millisecond}
}

// runLive is run with root treated as the live system, launchd modelled.
func runLive(t *testing.T, root string, failAt int, args ...string) (int, string, int) {
	t.Helper()
	var stderr bytes.Buffer
	n := 0
	deps := testDeps()
	deps.Stdout, deps.Stderr = io.Discard, &stderr
	deps.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	ffs := faultFS{n: &n, failAt: failAt}
	deps.OpenRoot = func(dir string) (rootfs.FS, error) {
		r, err := rootfs.Open(dir)
		if err != nil {
			return nil, err
		}
		f := ffs
		f.FS = r
		return f, nil
	}
	deps.IsLive = func(dir string) bool { return dir == root }
	deps.Launchd = func() (launchd.Runner, error) { return faultRunner{liveModel(root).Runner(), ffs}, nil }
	deps.LookupLive = func(name string) (users.User, int, error) {
		fsys, err := rootfs.Open(root)
		if err != nil {
			return users.User{}, 0, err
		}
		return users.Offline(fsys, name)
	}
	argv := append([]string{"installer"}, args...)
	argv = append(argv, "--root="+root, "--log-file="+filepath.Join(t.TempDir(), "log"))
	return Main(context.Background(), argv, deps), stderr.String(), n
}

// domain is the launchd state that matters: what is loaded (with which
// bytes) and what is disabled.
func domain(t *testing.T, root string) string {
	t.Helper()
	st, err := liveModel(root).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for l, j := range st.Jobs {
		lines = append(lines, "loaded "+l+" "+j.SHA256)
	}
	for l, d := range st.Disabled {
		if d {
			lines = append(lines, "disabled "+l)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// dockersOwn puts Docker Desktop's own LaunchDaemons in root and loads
// them, as on most fleets before the installer first runs.
func dockersOwn(t *testing.T, root string) {
	t.Helper()
	m := liveModel(root)
	for label, prog := range map[string]string{
		"com.docker.vmnetd": "/Library/PrivilegedHelperTools/com.docker.vmnetd",
		"com.docker.socket": "/Library/PrivilegedHelperTools/com.docker.socket",
	} {
		p := "/Library/LaunchDaemons/" + label + ".plist"
		data := `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>Label</key><string>` + label +
			`</string><key>ProgramArguments</key><array><string>` + prog + `</string></array><key>RunAtLoad</key><true/></dict></plist>`
		if err := os.WriteFile(filepath.Join(root, p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, code, err := m.Exec([]string{"bootstrap", "system", p}); err != nil || code != 0 {
			t.Fatalf("load %s: exit %d, %v", label, code, err)
		}
	}
}

// TestAllOrNothingLive is TestAllOrNothing on the live code path: every
// mutating operation, launchctl calls included, fails in turn, and the
// tree and launchd's state are as before the run.
func TestAllOrNothingLive(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("launchd refuses plists not owned by root")
	}
	helper := append(append([]string{}, systemInstall...), "--privileged-ports", "--helper-binary="+fakeHelper(t))
	for _, sc := range []struct {
		name  string
		setup func(t *testing.T, root string)
		run   []string
	}{
		{"fresh Mac", nil, helper},
		{"Docker's own jobs loaded", dockersOwn, helper},
		{"helper and boot task disabled", func(t *testing.T, root string) {
			for _, l := range []string{"com.docker.vmnetd", "com.docker.socket"} {
				if _, _, err := liveModel(root).Exec([]string{"disable", "system/" + l}); err != nil {
					t.Fatal(err)
				}
			}
		}, helper},
		{"user changes (--force)", func(t *testing.T, root string) {
			if code, errOut, _ := runLive(t, root, 0, helper...); code != 0 {
				t.Fatalf("setup: exit %d: %s", code, errOut)
			}
		}, []string{"install", "--user=bob", "--force", "--privileged-ports", "--helper-binary=" + fakeHelper(t)}},
		{"uninstall", func(t *testing.T, root string) {
			if code, errOut, _ := runLive(t, root, 0, helper...); code != 0 {
				t.Fatalf("setup: exit %d: %s", code, errOut)
			}
		}, []string{"uninstall"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			prepare := func() string {
				root := newRoot(t)
				if sc.setup != nil {
					sc.setup(t, root)
				}
				return root
			}
			_, _, total := runLive(t, prepare(), 0, sc.run...)
			for n := 1; n <= total+1; n++ {
				root := prepare()
				before, beforeJobs := listing(t, root), domain(t, root)
				code, errOut, _ := runLive(t, root, n, sc.run...)
				if n > total {
					if code != 0 {
						t.Fatalf("no fault: exit %d: %s", code, errOut)
					}
					return
				}
				if code != 1 || !strings.Contains(errOut, errInjected.Error()) || !strings.Contains(errOut, "all changes of this run were undone") {
					t.Fatalf("fault at op %d/%d: exit %d: %s", n, total, code, errOut)
				}
				if after := listing(t, root); after != before {
					t.Fatalf("fault at op %d/%d: tree changed:\n%s", n, total, diffLines(before, after))
				}
				if after := domain(t, root); after != beforeJobs {
					t.Fatalf("fault at op %d/%d (%s): launchd changed:\n%s", n, total, errOut, diffLines(beforeJobs, after))
				}
			}
		})
	}
}

// TestLiveInstallConverges: from every realistic launchd state, a live
// install loads exactly our jobs with our bytes, and a second run changes
// nothing.
func TestLiveInstallConverges(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("launchd refuses plists not owned by root")
	}
	root := newRoot(t)
	dockersOwn(t, root)
	args := append(append([]string{}, systemInstall...), "--privileged-ports", "--helper-binary="+fakeHelper(t))
	if code, errOut, _ := runLive(t, root, 0, args...); code != 0 {
		t.Fatalf("install over Docker's own jobs: exit %d: %s", code, errOut)
	}
	st, err := liveModel(root).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st.Jobs)
	if !strings.Contains(string(b), "/Library/PrivilegedHelperTools/com.docker.vmnetd\",\"--product\",\"docker\"") {
		t.Fatalf("helper not loaded with our plist: %s", b)
	}
	if code, errOut, n := runLive(t, root, 0, args...); code != 0 || n != 0 {
		t.Fatalf("second run: exit %d, %d operations: %s", code, n, errOut)
	}
}

// fakeHelper is a small file with a thin arm64 Mach-O header, to install
// as the helper of a Mac root: these tests never run it.
func fakeHelper(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vmnetd")
	if err := os.WriteFile(p, []byte("\xcf\xfa\xed\xfe\x0c\x00\x00\x01fake vmnetd"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
