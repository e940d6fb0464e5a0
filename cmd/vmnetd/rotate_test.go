package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReopensLogsOnSIGHUP plays newsyslog: vmnetd runs as launchd starts
// it (stdout and stderr on the product's vmnetd.log) with a --log-file,
// writes its pid file; after both logs are renamed away and SIGHUP is sent,
// it writes into new files under the old names; at exit the pid file goes.
func TestReopensLogsOnSIGHUP(t *testing.T) {
	r := newRig(t)
	logDir := filepath.Join(r.root, "Library/Logs/docker-installer")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	stdLog, jsonLog := filepath.Join(logDir, "vmnetd.log"), filepath.Join(logDir, "vmnetd.json")
	f, err := os.OpenFile(stdLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	cmd := exec.Command(self, "--root", r.root, "--log-file", jsonLog)
	cmd.Env = append(os.Environ(), "VMNETD_TEST_MAIN=1")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer cmd.Process.Kill()
	pidFile := filepath.Join(r.root, "var/run", r.desc.HelperLabel+".pid")
	var pid []byte
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if pid, _ = os.ReadFile(pidFile); len(pid) > 0 {
			break
		}
	}
	if string(pid) != strconv.Itoa(cmd.Process.Pid)+"\n" {
		t.Fatalf("pid file %q, want %d", pid, cmd.Process.Pid)
	}
	for _, l := range []string{stdLog, jsonLog} {
		if err := os.Rename(l, l+".0"); err != nil {
			t.Fatal(err)
		}
	}
	cmd.Process.Signal(syscall.SIGHUP)
	for _, l := range []string{stdLog, jsonLog} {
		var b []byte
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if b, _ = os.ReadFile(l); strings.Contains(string(b), "logs reopened") {
				break
			}
		}
		if !strings.Contains(string(b), "logs reopened") {
			t.Fatalf("%s after SIGHUP: %q", l, b)
		}
		if old, _ := os.ReadFile(l + ".0"); strings.Contains(string(old), "logs reopened") {
			t.Fatalf("%s.0 still written to after SIGHUP", l)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("vmnetd: %v", err)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
}
