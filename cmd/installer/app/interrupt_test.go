package app

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptConsistency sends SIGTERM (or SIGINT) at 100 random moments
// of a slowed install (docs/contract.md §13): the run either finished (exit 0, the
// tree fully installed) or undid itself (exit 1, "interrupted; nothing
// changed", the tree exactly as before); never anything in between. A
// death by the signal itself is possible only before Main's handlers are
// in place or after it returned, and then too the tree is one of the two.
func TestInterruptConsistency(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("installer")
	if err != nil {
		t.Skip("the installer command is set up by TestMain")
	}
	runs := 100
	if testing.Short() {
		runs = 10
	}
	args := []string{"install", "--user=alice", "--kubernetes", "--allowed-org=acme", "--accept-license", "--cli-location=user", "--path-edit=shell"}
	ref := newRoot(t)
	original := listing(t, ref)
	if code, errOut, _ := run(t, ref, 0, args...); code != 0 {
		t.Fatalf("reference install: %d %s", code, errOut)
	}
	installed := listing(t, ref)

	const slow = 2 * time.Millisecond
	// How long apply takes: from the journal's directory appearing (the
	// first operation) to the log's "install done" (not the exit, which
	// under -race takes long). The signals land at random moments of
	// that span (and a little after); every tenth at a random moment from
	// the start, before apply too. Timing from apply's start keeps the
	// test meaningful on a loaded machine, where start-up time varies.
	journalDir := "Library/Application Support/com.docker.docker"
	var apply time.Duration
	for i := 0; i < 3; i++ {
		root := newRoot(t)
		cmd := exec.Command(bin, append(args, "--root="+root, "--log-file="+root+".log")...)
		cmd.Env = append(os.Environ(), "INSTALLER_TEST_SLOW_OP="+slow.String(), "INSTALLER_TEST_NOW=2026-01-02T03:04:05Z")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		began := waitFor(filepath.Join(root, journalDir), 10*time.Second)
		ended := waitForLog(root+".log", `install done`, 10*time.Second)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("slowed run: %v", err)
		}
		apply = max(apply, ended.Sub(began))
	}
	full := apply * 3
	undone, finished := 0, 0
	for i := 0; i < runs; i++ {
		root := newRoot(t)
		sig := syscall.SIGTERM
		if i%4 == 3 {
			sig = syscall.SIGINT
		}
		cmd := exec.Command(bin, append(args, "--root="+root, "--log-file="+root+".log")...)
		cmd.Env = append(os.Environ(), "INSTALLER_TEST_SLOW_OP="+slow.String(), "INSTALLER_TEST_NOW=2026-01-02T03:04:05Z", "NO_COLOR=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		at := time.Duration(rand.Int64N(int64(full)))
		if i%10 != 0 {
			waitFor(filepath.Join(root, journalDir), 10*time.Second)
			at = time.Duration(rand.Int64N(int64(apply * 6 / 5)))
		}
		timer := time.AfterFunc(at, func() { _ = cmd.Process.Signal(sig) })
		_ = cmd.Wait()
		timer.Stop()
		got := listing(t, root)
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		switch {
		case ws.Signaled():
			// Only outside Main's handlers: before they are installed
			// (nothing done yet) or after the run returned (all done).
			if got != original && got != installed {
				t.Fatalf("%v at %v killed the run midway:\n%s", sig, at, diffLines(original, got))
			}
		case ws.ExitStatus() == 0:
			finished++
			if got != installed {
				t.Fatalf("%v at %v: exit 0 but the tree is not installed:\n%s", sig, at, diffLines(installed, got))
			}
		case ws.ExitStatus() == 1:
			undone++
			if !strings.Contains(stderr.String(), "ERROR interrupted; nothing changed") {
				t.Fatalf("%v at %v: exit 1 without saying so: %s", sig, at, stderr.String())
			}
			if got != original {
				t.Fatalf("%v at %v: interrupted, but the tree is not as before:\n%s", sig, at, diffLines(original, got))
			}
		default:
			t.Fatalf("%v at %v: exit %d: %s", sig, at, ws.ExitStatus(), stderr.String())
		}
		if _, err := os.Stat(filepath.Join(root, "Library/Application Support/com.docker.docker/installer.plist")); err == nil && got == original {
			t.Fatalf("%v at %v: a profile was left behind", sig, at)
		}
	}
	if undone < runs/4 {
		t.Fatalf("only %d of %d runs were interrupted mid-apply (%d finished): the signals miss apply", undone, runs, finished)
	}
	t.Logf("%d runs: %d undone, %d finished (slowed apply %v)", runs, undone, finished, apply)
}

// TestInterruptAtEachBoundary is the deterministic proof behind
// TestInterruptConsistency: for each operation boundary of a plan (before
// operation 0, 1, …, n-1 of apply), a run sends itself SIGTERM or SIGINT
// right there (Deps.BeforeOp, wired from INSTALLER_TEST_SIGNAL_AT_OP) and
// waits for the handler. Each such run must stop at that boundary, undo
// what it did, exit 1 saying "interrupted; nothing changed", and leave the
// root byte for byte as before (paths, modes, owners, link targets,
// contents). A signal after the last operation is too late to undo: the
// run finishes and the root is installed. Fresh install, a change of
// options over an install, and uninstall.
func TestInterruptAtEachBoundary(t *testing.T) {
	bin, err := exec.LookPath("installer")
	if err != nil {
		t.Skip("the installer command is set up by TestMain")
	}
	for _, sc := range []struct {
		name  string
		setup [][]string
		run   []string
	}{
		{"fresh install", nil, fullInstall},
		{"switch options", [][]string{systemInstall}, fullInstall},
		{"uninstall", [][]string{fullInstall}, []string{"uninstall"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			prepare := preparer(t, sc.setup)
			// at < 0: no signal, only the boundaries logged.
			runAt := func(root string, at int, sig string) (code int, stderr string, reached []string) {
				opLog := root + ".ops"
				cmd := exec.Command(bin, append(sc.run, "--root="+root, "--log-file="+root+".log")...)
				cmd.Env = append(os.Environ(), "INSTALLER_TEST_NOW=2026-01-02T03:04:05Z", "NO_COLOR=1",
					"INSTALLER_TEST_OP_LOG="+opLog, "INSTALLER_TEST_SIGNAL_AT_OP="+strconv.Itoa(at), "INSTALLER_TEST_SIGNAL="+sig)
				var errOut strings.Builder
				cmd.Stderr = &errOut
				_ = cmd.Run()
				ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
				if ws.Signaled() {
					t.Fatalf("signal at boundary %d killed the run (%v): Main's handler was not in place", at, ws.Signal())
				}
				b, _ := os.ReadFile(opLog)
				return ws.ExitStatus(), errOut.String(), strings.Fields(string(b))
			}

			ref := prepare()
			code, errOut, reached := runAt(ref, -1, "")
			if code != 0 {
				t.Fatalf("reference run: exit %d: %s", code, errOut)
			}
			installed := listing(t, ref)
			if len(reached) < 4 {
				t.Fatalf("reference run reached %d boundaries (%q): the scenario tests nothing", len(reached), reached)
			}
			var n int
			if _, err := fmt.Sscanf(reached[len(reached)-1], "%d/%d", new(int), &n); err != nil || len(reached) != n+1 {
				t.Fatalf("boundaries of the reference run: %q", reached)
			}
			for at := 0; at <= n; at++ {
				sig := "TERM"
				if at%2 == 1 {
					sig = "INT"
				}
				root := prepare()
				before := listing(t, root)
				code, errOut, reached := runAt(root, at, sig)
				after := listing(t, root)
				if want := fmt.Sprintf("%d/%d", at, n); len(reached) != at+1 || reached[at] != want {
					t.Fatalf("SIG%s at boundary %d/%d: apply went through %q, want it to stop at %s", sig, at, n, reached, want)
				}
				if at == n {
					// After the last operation: nothing left to stop.
					if code != 0 || after != installed {
						t.Fatalf("SIG%s after the last operation: exit %d (%s), tree:\n%s", sig, code, errOut, diffLines(installed, after))
					}
					continue
				}
				if code != 1 || !strings.Contains(errOut, "ERROR interrupted; nothing changed") {
					t.Fatalf("SIG%s at boundary %d/%d: exit %d, want 1 and \"interrupted; nothing changed\": %s", sig, at, n, code, errOut)
				}
				if after != before {
					t.Fatalf("SIG%s at boundary %d/%d: the root is not as before:\n%s", sig, at, n, diffLines(before, after))
				}
			}
			t.Logf("%d operations: a signal at each boundary undone, after the last finished", n)
		})
	}
}

// waitFor polls until path exists (or the timeout) and returns when.
func waitFor(path string, timeout time.Duration) time.Time {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := os.Lstat(path); err == nil {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	return time.Now()
}

// waitForLog polls until the file holds substr (or the timeout).
func waitForLog(path, substr string, timeout time.Duration) time.Time {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), substr) {
			break
		}
		time.Sleep(200 * time.Microsecond)
	}
	return time.Now()
}
