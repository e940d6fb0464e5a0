//go:build unix

package mdm

import (
	"os"
	"path/filepath"
	"testing"
)

// auditInstaller answers status with $FAKE_STATUS and plan with the
// JSON in $FAKE_PLAN, as the real installer's plan --json shapes it.
const auditInstaller = `#!/bin/sh
case "$1" in
status) exit "${FAKE_STATUS:-0}" ;;
plan) cat "$FAKE_PLAN"; exit 0 ;;
esac
exit 0
`

const (
	planNothing = `{"ok": true, "changed": false, "dryRun": true, "steps": [{"id": "hosts", "action": "unchanged", "paths": []}]}`
	planDrift   = `{"ok": true, "changed": false, "dryRun": true, "steps": [{"id": "hosts", "action": "planned", "paths": ["/private/etc/hosts"]}]}`
)

// TestAuditScripts runs Kandji's audit and Munki's installcheck against
// a fake installer: a Mac that status calls healthy but whose plan with
// the script's flags has work to do is drift, and each vendor's exit code
// says so in its own convention.
func TestAuditScripts(t *testing.T) {
	e := newScriptEnv(t)
	if err := os.WriteFile(e.installer, []byte(auditInstaller), 0o755); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(e.dir, "plan.json")
	for _, c := range []struct {
		vendor, part, status, plan string
		want                       int
	}{
		{"kandji", "audit", "0", planNothing, 0},
		{"kandji", "audit", "0", planDrift, 10},
		{"kandji", "audit", "10", planNothing, 10},
		{"kandji", "audit", "11", planNothing, 11},
		// Munki: 0 = install needed, 1 = installed.
		{"munki", "installcheck", "0", planNothing, 1},
		{"munki", "installcheck", "0", planDrift, 0},
		{"munki", "installcheck", "11", planNothing, 0},
	} {
		script, err := Script(c.vendor, e.installer, []string{"--user=alice", "--kubernetes"}, ScriptOptions{Product: "docker", LogDir: e.logDir, Part: c.part})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(planFile, []byte(c.plan), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("FAKE_STATUS", c.status)
		t.Setenv("FAKE_PLAN", planFile)
		if r := e.run(t, script, "0"); r.code != c.want {
			t.Errorf("%s %s, status %s, plan %s: exit %d, want %d\n%s%s", c.vendor, c.part, c.status, c.plan, r.code, c.want, r.stdout, r.stderr)
		}
	}
}
