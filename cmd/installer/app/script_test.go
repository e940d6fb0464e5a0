package app

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/macfleet/installer/helper"
	"github.com/macfleet/installer/install/launchd"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/sampleroot"
	"github.com/macfleet/installer/install/users"
)

// testDeps are the real effects with test fakes wired in from the
// environment of each script:
//   - INSTALLER_TEST_LIVE_ROOT: treat this root as the live system (so the
//     live code path runs without touching the machine);
//   - INSTALLER_TEST_LAUNCHD: the state file of the launchd model (set for
//     every script: launchd outlives each installer process);
//   - INSTALLER_TEST_LAUNCHCTL_LOG: where the model logs each launchctl call;
//   - INSTALLER_TEST_LAUNCHCTL_HANG=1: launchctl print never answers;
//   - INSTALLER_TEST_NOW: a fixed RFC 3339 time, for stable profiles;
//   - INSTALLER_TEST_LOCK_WAIT: how long to wait for the lock;
//   - INSTALLER_TEST_SLOW_OP: a delay before every mutating operation;
//   - INSTALLER_TEST_SIGNAL_AT_OP=N with INSTALLER_TEST_SIGNAL=INT or TERM:
//     at apply's operation boundary N the process sends itself the signal
//     and waits until Main's handler has cancelled the run;
//   - INSTALLER_TEST_OP_LOG: a file that gets "i/n" at each boundary apply
//     reaches.
func testDeps() Deps {
	d := RealDeps()
	liveRoot := os.Getenv("INSTALLER_TEST_LIVE_ROOT")
	d.IsLive = func(root string) bool { return root == "/" || (liveRoot != "" && root == liveRoot) }
	if liveRoot != "" {
		d.Launchd = func() (launchd.Runner, error) {
			m := launchdModel(liveRoot)
			if p := os.Getenv("INSTALLER_TEST_LAUNCHCTL_LOG"); p != "" {
				// A caller that may not write the log (another uid) just is
				// not recorded.
				if f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
					m.Log = f
				}
			}
			if os.Getenv("INSTALLER_TEST_LAUNCHCTL_HANG") == "1" {
				return hangingPrint{m.Runner()}, nil
			}
			return m.Runner(), nil
		}
		d.LookupLive = func(name string) (users.User, int, error) {
			fsys, err := d.OpenRoot(liveRoot)
			if err != nil {
				return users.User{}, 0, err
			}
			return users.Offline(fsys, name)
		}
	}
	if s := os.Getenv("INSTALLER_TEST_LOCK_WAIT"); s != "" {
		if w, err := time.ParseDuration(s); err == nil {
			d.LockWait = w
		}
	}
	if s := os.Getenv("INSTALLER_TEST_SLOW_OP"); s != "" {
		// Slow every mutating operation, so a kill lands mid-run.
		if delay, err := time.ParseDuration(s); err == nil {
			open := d.OpenRoot
			n := 0
			d.OpenRoot = func(dir string) (rootfs.FS, error) {
				r, err := open(dir)
				if err != nil {
					return nil, err
				}
				return faultFS{FS: r, n: &n, before: func(int) { time.Sleep(delay) }}, nil
			}
		}
	}
	if at, err := strconv.Atoi(os.Getenv("INSTALLER_TEST_SIGNAL_AT_OP")); err == nil || os.Getenv("INSTALLER_TEST_OP_LOG") != "" {
		if err != nil {
			at = -1
		}
		sig := syscall.SIGTERM
		if os.Getenv("INSTALLER_TEST_SIGNAL") == "INT" {
			sig = syscall.SIGINT
		}
		opLog := os.Getenv("INSTALLER_TEST_OP_LOG")
		d.BeforeOp = func(ctx context.Context, i, n int) {
			if opLog != "" {
				if f, err := os.OpenFile(opLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
					fmt.Fprintf(f, "%d/%d\n", i, n)
					f.Close()
				}
			}
			if i != at {
				return
			}
			_ = syscall.Kill(os.Getpid(), sig)
			// The signal arrives asynchronously: wait for its effect, so
			// apply's next look at Stop sees it. A handler that never
			// cancels leaves the run to finish, which the test sees.
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
			}
		}
	}
	if s := os.Getenv("INSTALLER_TEST_NOW"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			d.Now = func() time.Time { return t }
		}
	}
	return d
}

// launchdModel is the system domain of the live root the scripts run on.
func launchdModel(liveRoot string) *launchd.Model {
	m := &launchd.Model{Root: liveRoot, StatePath: os.Getenv("INSTALLER_TEST_LAUNCHD")}
	// INSTALLER_TEST_LAUNCHD_SETTLE: how long launchd takes to tear a job
	// down after bootout (bootstrap exits 5 until then).
	if d, err := time.ParseDuration(os.Getenv("INSTALLER_TEST_LAUNCHD_SETTLE")); err == nil {
		m.Settle = d
	}
	return m
}

func TestMain(m *testing.M) {
	// Under -race every process sleeps a second at exit by default (the
	// race runtime's atexit_sleep_ms) and the stories and crash tests
	// start thousands: the installers they start exit after 10ms, as
	// testscript's documentation suggests. Races are still reported.
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=10"))
	}
	testscript.Main(m, map[string]func(){
		"installer": func() { os.Exit(Main(context.Background(), os.Args, testDeps())) },
	})
}

var (
	vmnetdOnce sync.Once
	vmnetdPath string
	vmnetdErr  error
)

// vmnetdBeside builds vmnetd once per test binary, beside the installer
// as it ships ("the vmnetd beside the installer's own executable"), for
// the stories and the demo, and returns its path.
func vmnetdBeside(t *testing.T) string {
	t.Helper()
	vmnetdOnce.Do(func() {
		inst, err := exec.LookPath("installer")
		if err != nil {
			vmnetdErr = err
			return
		}
		vmnetdPath = filepath.Join(filepath.Dir(inst), "vmnetd")
		if out, err := exec.Command("go", "build", "-o", vmnetdPath, "github.com/macfleet/installer/cmd/vmnetd").CombinedOutput(); err != nil {
			vmnetdErr = fmt.Errorf("build vmnetd: %v\n%s", err, out)
		}
	})
	if vmnetdErr != nil {
		t.Fatal(vmnetdErr)
	}
	return vmnetdPath
}

// recipesDir holds the README's deployment recipes, run by recipes.txtar.
var recipesDir, _ = filepath.Abs(filepath.Join("..", "..", "..", "testdata", "recipes"))

func TestScripts(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("installer"); err == nil {
		vmnetdBeside(t)
	}
	// Scripts run the installer as uid 65534 with setpriv: the directory
	// testscript put the installer in must be reachable by that uid.
	if os.Geteuid() == 0 {
		if p, err := exec.LookPath("installer"); err == nil {
			for _, d := range []string{filepath.Dir(p), filepath.Dir(filepath.Dir(p))} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "..", "testdata", "script"),
		UpdateScripts:       os.Getenv("UPDATE_GOLDEN") == "1",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("ROOT", filepath.Join(e.WorkDir, "root"))
			e.Setenv("INSTALLER_TEST_NOW", "2026-01-02T03:04:05Z")
			e.Setenv("NO_COLOR", "1")
			e.Setenv("RECIPES", recipesDir)
			e.Setenv("INSTALLER_TEST_LAUNCHD", filepath.Join(e.WorkDir, ".launchd.json"))
			// The work dir too, for scripts that run as another uid.
			for _, d := range []string{filepath.Dir(e.WorkDir), e.WorkDir} {
				if err := os.Chmod(d, 0o755); err != nil {
					return err
				}
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "chattr":
				return chattrWorks(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkroot":     cmdMkroot,
			"tree":       cmdTree,
			"chown":      cmdChown,
			"signpolicy": cmdSignPolicy,
			"refused":    cmdRefused,
			"launchctl":  cmdLaunchctl,
		},
	})
}

// chattrWorks reports whether `chattr +i` makes a dir immutable here (root,
// a filesystem that supports it): the stories' stand-in for macOS's
// refusal (EPERM) to write an app's group container.
func chattrWorks() bool {
	dir, err := os.MkdirTemp("", "chattr")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	if exec.Command("chattr", "+i", dir).Run() != nil {
		return false
	}
	defer exec.Command("chattr", "-i", dir).Run()
	return os.WriteFile(filepath.Join(dir, "x"), nil, 0o644) != nil
}

// cmdMkroot builds a sample Mac-like root (sampleroot.Usage):
// mkroot [variant flags] [-hosts FILE] [-product NAME] DIR [NAME:UID[:GID] ...]
func cmdMkroot(ts *testscript.TestScript, neg bool, args []string) {
	a, err := sampleroot.ParseArgs(args)
	if err != nil {
		ts.Fatalf("mkroot: %v", err)
	}
	if a.HostsFile != "" {
		a.Hosts = ts.ReadFile(a.HostsFile)
	}
	ts.Check(sampleroot.Build(ts.MkAbs(a.Dir), a.Options))
}

// cmdLaunchctl runs launchctl against the launchd model of
// $INSTALLER_TEST_LIVE_ROOT (not logged), to set up and inspect the state a
// story starts from: launchctl [disable|enable|bootstrap|bootout|print|...] ARGS.
// Its output goes to stdout; a non-zero exit fails unless negated.
func cmdLaunchctl(ts *testscript.TestScript, neg bool, args []string) {
	root := ts.Getenv("INSTALLER_TEST_LIVE_ROOT")
	if root == "" {
		ts.Fatalf("launchctl: set INSTALLER_TEST_LIVE_ROOT first")
	}
	m := &launchd.Model{Root: root, StatePath: ts.Getenv("INSTALLER_TEST_LAUNCHD")}
	if d, err := time.ParseDuration(ts.Getenv("INSTALLER_TEST_LAUNCHD_SETTLE")); err == nil {
		m.Settle = d
	}
	out, code, err := m.Exec(args)
	ts.Check(err)
	fmt.Fprint(ts.Stdout(), out)
	if code != 0 {
		fmt.Fprintf(ts.Stderr(), "exit %d\n", code)
	}
	if (code != 0) != neg {
		ts.Fatalf("launchctl %s: exit %d: %s", strings.Join(args, " "), code, out)
	}
}

// cmdTree prints treeListing: tree [-inodes] DIR.
func cmdTree(ts *testscript.TestScript, neg bool, args []string) {
	inodes := len(args) > 0 && args[0] == "-inodes"
	if inodes {
		args = args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: tree [-inodes] DIR")
	}
	out, err := treeListing(ts.MkAbs(args[0]), inodes)
	ts.Check(err)
	fmt.Fprintln(ts.Stdout(), out)
}

// treeListing has one line per entry under dir: path, type, mode, owner,
// and content hash or link target; with inodes also inode, mtime and
// ctime. The installer's log dir and lock file, which are meant to stay
// behind, are left out.
func treeListing(dir string, inodes bool) (string, error) {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "Library/Logs" || strings.HasSuffix(rel, "-installer.lock") {
			if de.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %s %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			t, _ := os.Readlink(p)
			line += " -> " + t
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		if inodes && rel != "." && !fi.IsDir() {
			line += fmt.Sprintf(" ino=%d mtime=%d ctime=%d", st.Ino, fi.ModTime().UnixNano(), ctimeNano(st))
		}
		lines = append(lines, line)
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n"), err
}

// cmdChown sets the owner of paths (not following links): chown UID:GID PATH...
func cmdChown(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: chown UID:GID PATH...")
	}
	u, g, _ := strings.Cut(args[0], ":")
	uid, err := strconv.Atoi(u)
	ts.Check(err)
	gid, err := strconv.Atoi(g)
	ts.Check(err)
	for _, p := range args[1:] {
		ts.Check(os.Lchown(ts.MkAbs(p), uid, gid))
	}
}

// cmdSignPolicy signs a policy with the test key (seed 0, 1, ... 31; its
// public key is A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=) or, with
// -wrong, another key, as an envelope of version N (default 1):
// signpolicy [-wrong] [-version N] IN OUT.
func cmdSignPolicy(ts *testscript.TestScript, neg bool, args []string) {
	fl := flag.NewFlagSet("signpolicy", flag.ContinueOnError)
	wrong := fl.Bool("wrong", false, "")
	version := fl.Uint64("version", 1, "")
	if err := fl.Parse(args); err != nil || fl.NArg() != 2 {
		ts.Fatalf("usage: signpolicy [-wrong] [-version N] IN OUT")
	}
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
		if *wrong {
			seed[i] = byte(255 - i)
		}
	}
	env, err := helper.SignPolicy(ed25519.NewKeyFromSeed(seed), *version, []byte(ts.ReadFile(fl.Arg(0))))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(fl.Arg(1)), env, 0o644))
}

// cmdRefused is one row of the bad-input table: it runs the installer on
// $ROOT with ARGS and checks the exit code, that stderr is one line
// matching REGEX, and that the root is unchanged (every file's content,
// mode, owner, inode and times). --root=$ROOT is appended unless given
// (commands with arguments need it before them):
// refused CODE REGEX ARGS...
func cmdRefused(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: refused CODE REGEX ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	root := ts.Getenv("ROOT")
	before, err := treeListing(root, true)
	ts.Check(err)
	argv := args[2:]
	if !strings.Contains(strings.Join(argv, " "), "--root=") {
		argv = append(argv, "--root="+root)
	}
	cmd := exec.Command("installer", argv...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "INSTALLER_TEST_NOW="+ts.Getenv("INSTALLER_TEST_NOW"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("run: %v", err)
	}
	msg := strings.TrimRight(stderr.String(), "\n")
	if code != want {
		ts.Fatalf("exit %d, want %d: %s", code, want, msg)
	}
	if strings.Count(msg, "\n") != 0 || msg == "" {
		ts.Fatalf("want one line on stderr, got %q", msg)
	}
	if !re.MatchString(msg) {
		ts.Fatalf("stderr %q does not match %q", msg, args[1])
	}
	after, err := treeListing(root, true)
	ts.Check(err)
	if after != before {
		ts.Fatalf("the root changed:\n%s", diffLines(before, after))
	}
}
