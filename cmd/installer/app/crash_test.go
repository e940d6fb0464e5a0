package app

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestCrashConsistency kills the installer with SIGKILL at random points
// of apply (its filesystem slowed so the kill lands mid-run), 200 times:
// the hosts file is always the old or the new version, never a mix; a
// re-run always converges to the tree of an uninterrupted install; and
// uninstall after it always restores the original tree.
func TestCrashConsistency(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("installer")
	if err != nil {
		t.Skip("the installer command is set up by TestMain")
	}
	runs := 200
	if testing.Short() {
		runs = 20
	}
	args := []string{"install", "--user=alice", "--kubernetes", "--allowed-org=acme", "--accept-license"}
	ref := newRoot(t)
	original := listing(t, ref)
	oldHosts, _ := os.ReadFile(filepath.Join(ref, "private/etc/hosts"))
	if code, errOut, _ := run(t, ref, 0, args...); code != 0 {
		t.Fatalf("reference install: %d %s", code, errOut)
	}
	installed := listing(t, ref)
	newHosts, _ := os.ReadFile(filepath.Join(ref, "private/etc/hosts"))

	const slow = 3 * time.Millisecond
	start := time.Now()
	if out, err := crashRun(bin, newRoot(t), slow, args, -1); err != nil {
		t.Fatalf("slowed run: %v\n%s", err, out)
	}
	full := time.Since(start)
	killedMidRun := 0
	for i := 0; i < runs; i++ {
		root := newRoot(t)
		at := time.Duration(rand.Int64N(int64(full)))
		if _, err := crashRun(bin, root, slow, args, at); err != nil {
			killedMidRun++
		}
		hosts, _ := os.ReadFile(filepath.Join(root, "private/etc/hosts"))
		if string(hosts) != string(oldHosts) && string(hosts) != string(newHosts) {
			t.Fatalf("kill at %v: hosts file is neither old nor new:\n%s", at, hosts)
		}
		if code, errOut, _ := run(t, root, 0, args...); code != 0 {
			t.Fatalf("kill at %v: re-run exit %d: %s", at, code, errOut)
		}
		if got := listing(t, root); got != installed {
			a, _ := os.ReadFile(filepath.Join(ref, "Library/Application Support/com.docker.docker/installer.plist"))
			b, _ := os.ReadFile(filepath.Join(root, "Library/Application Support/com.docker.docker/installer.plist"))
			t.Fatalf("kill at %v: re-run did not converge:\n%s\n%s", at, diffLines(installed, got), diffLines(string(a), string(b)))
		}
		if code, errOut, _ := run(t, root, 0, "uninstall"); code != 0 {
			t.Fatalf("kill at %v: uninstall exit %d: %s", at, code, errOut)
		}
		if got := listing(t, root); got != original {
			t.Fatalf("kill at %v: uninstall did not restore the tree:\n%s", at, diffLines(original, got))
		}
	}
	if killedMidRun < runs/4 {
		t.Fatalf("only %d of %d runs were killed before finishing: the kills miss apply", killedMidRun, runs)
	}
	t.Logf("%d runs, %d killed mid-run (full slowed run %v)", runs, killedMidRun, full)
}

// crashRun runs the installer binary on root with a slowed filesystem and,
// if killAt >= 0, kills it with SIGKILL after killAt.
func crashRun(bin, root string, slow time.Duration, args []string, killAt time.Duration) ([]byte, error) {
	cmd := exec.Command(bin, append(args, "--root="+root, "--log-file="+root+".log")...)
	cmd.Env = append(os.Environ(), "INSTALLER_TEST_SLOW_OP="+slow.String(), "INSTALLER_TEST_NOW=2026-01-02T03:04:05Z")
	if killAt < 0 {
		return cmd.CombinedOutput()
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	timer := time.AfterFunc(killAt, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	return nil, err
}

// TestConcurrentInstallers starts 8 installers and uninstallers with
// different options at once on one root (their filesystems slowed so they
// overlap): each exits 0 (it ran in turn) or 7 (it gave up waiting), and
// the root ends exactly as one of them left it, run alone: no mix, no torn
// file.
func TestConcurrentInstallers(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("installer")
	if err != nil {
		t.Skip("the installer command is set up by TestMain")
	}
	cmds := [][]string{
		{"install", "--user=alice"},
		{"install", "--user=alice", "--kubernetes", "--cli-location=user"},
		{"uninstall"},
		{"install", "--user=alice", "--allowed-org=acme", "--no-docker-socket"},
		{"install", "--user=alice", "--cli-location=user", "--path-edit=shell"},
		{"uninstall"},
		{"install", "--user=alice", "--kubernetes"},
		{"install", "--user=alice", "--accept-license"},
	}
	// What each one leaves when it runs alone after any other.
	valid := map[string]bool{}
	for _, c := range cmds {
		r := newRoot(t)
		if code, errOut, _ := run(t, r, 0, c...); code != 0 {
			t.Fatalf("%v alone: %d %s", c, code, errOut)
		}
		valid[listing(t, r)] = true
	}
	for round := 0; round < 5; round++ {
		root := newRoot(t)
		var procs []*exec.Cmd
		for _, c := range cmds {
			cmd := exec.Command(bin, append(c, "--root="+root, "--log-file="+root+".log", "-q")...)
			cmd.Env = append(os.Environ(), "INSTALLER_TEST_SLOW_OP=1ms", "INSTALLER_TEST_NOW=2026-01-02T03:04:05Z")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			procs = append(procs, cmd)
		}
		ran := 0
		for i, p := range procs {
			err := p.Wait()
			switch code := p.ProcessState.ExitCode(); code {
			case 0:
				ran++
			case 7:
			default:
				t.Fatalf("round %d: %v exited %d (%v)", round, cmds[i], code, err)
			}
		}
		if ran == 0 {
			t.Fatalf("round %d: nobody ran", round)
		}
		if got := listing(t, root); !valid[got] {
			t.Fatalf("round %d: the root is not what any one run leaves:\n%s", round, got)
		}
	}
}
