package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/macfleet/installer/install/homeown/homeowntest"
)

// runAll runs the installer on root and returns its exit code, stdout
// and stderr, whatever the code.
func runAll(t *testing.T, root string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	deps := testDeps()
	deps.Stdout, deps.Stderr = &stdout, &stderr
	deps.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	argv := append([]string{"installer"}, args...)
	argv = append(argv, "--root="+root)
	if args[0] != "status" {
		argv = append(argv, "--log-file="+filepath.Join(t.TempDir(), "log"))
	}
	code := Main(context.Background(), argv, deps)
	return code, stdout.String(), stderr.String()
}

// An entry whose change the OS refuses (EPERM: here an immutable file,
// on macOS 15+ a group container without Full Disk Access for the MDM
// agent) stays root's with a one-line warning naming it; the other
// entries are given, the rest of the install is done, and the run exits
// 0. status then names that entry alone as drift.
func TestHomeOwnershipRefusedByTheOS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root-owned entries in a home of another uid")
	}
	root := homeRoot(t)
	config := filepath.Join(root, "Users/alice/.docker/config.json")
	allow := homeowntest.Immutable(t, config)

	code, out, errOut := runAll(t, root, append(systemInstall, "--json")...)
	if code != 0 {
		t.Fatalf("install: exit %d\n%s\n%s", code, errOut, out)
	}
	var warned []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.Contains(l, "config.json") && strings.Contains(l, "stays root's") {
			warned = append(warned, l)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "/Users/alice/.docker/config.json stays root's: the OS refused the change (operation not permitted)") ||
		!strings.Contains(warned[0], "Full Disk Access") {
		t.Errorf("want one warning line naming ~/.docker/config.json and Full Disk Access, got %q in\n%s", warned, errOut)
	}
	var res struct {
		OK       bool `json:"ok"`
		ExitCode int  `json:"exitCode"`
		Changed  bool `json:"changed"`
		Steps    []struct {
			ID    string   `json:"id"`
			Paths []string `json:"paths"`
		} `json:"steps"`
		Warnings *[]string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if !res.OK || res.ExitCode != 0 || !res.Changed {
		t.Errorf("--json: ok %v exitCode %d changed %v", res.OK, res.ExitCode, res.Changed)
	}
	// The refusal is a warning of the run, in --json too.
	if res.Warnings == nil || len(*res.Warnings) != 1 || !strings.Contains((*res.Warnings)[0], "/Users/alice/.docker/config.json stays root's") {
		t.Errorf("--json warnings %v, want one naming ~/.docker/config.json", res.Warnings)
	}

	after := listing(t, root)
	for _, want := range []string{
		"Users/alice/.docker/config.json -rw------- 0:0",
		"Users/alice/.docker/hosts Lrwxrwxrwx 501:20 -> /etc/hosts",
		"Users/alice/Library/Containers/com.docker.docker drwxr-xr-x 501:20",
		"Users/alice/Library/Containers/com.docker.docker/Data drwxr-xr-x 501:20",
		"private/etc/hosts -rw-r--r-- 0:0",
	} {
		if !strings.Contains(after, want) {
			t.Errorf("after install, no line %q in\n%s", want, after)
		}
	}
	// the rest of the install is done: status finds only that entry
	code, out, errOut = runAll(t, root, "status")
	if code != 10 {
		t.Errorf("status: exit %d, want 10 (drift)\n%s%s", code, out, errOut)
	}
	var drift []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "drift  ") {
			drift = append(drift, l)
		}
	}
	if len(drift) != 1 || !strings.Contains(drift[0], "home-ownership") || !strings.Contains(drift[0], "/Users/alice/.docker/config.json") || strings.Contains(drift[0], "more") {
		t.Errorf("status: want one drift line, home-ownership naming config.json alone, got %q in\n%s", drift, out)
	}
	// a rerun warns again and still exits 0; once the OS allows it, the
	// entry is given and status is healthy
	if code, _, errOut := runAll(t, root, systemInstall...); code != 0 || !strings.Contains(errOut, "config.json stays root's") {
		t.Errorf("rerun: exit %d\n%s", code, errOut)
	}
	if err := allow(); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runAll(t, root, systemInstall...); code != 0 || strings.Contains(errOut, "stays root's") {
		t.Errorf("install once allowed: exit %d\n%s", code, errOut)
	}
	if code, out, _ := runAll(t, root, "status"); code != 0 || !strings.Contains(out, "ok     home-ownership") {
		t.Errorf("status once allowed: exit %d\n%s", code, out)
	}
}
