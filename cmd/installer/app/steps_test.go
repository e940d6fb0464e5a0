package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/macfleet/installer/install"
)

// runOut calls the real CLI in-process on root and returns its exit code
// and stdout.
func runOut(t *testing.T, root string, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	deps := testDeps()
	deps.Stdout, deps.Stderr = &stdout, &stderr
	deps.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	argv := append([]string{"installer"}, args...)
	argv = append(argv, "--root="+root, "--log-file="+filepath.Join(t.TempDir(), "log"))
	code := Main(context.Background(), argv, deps)
	if code != 0 {
		t.Fatalf("installer %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	return code, stdout.String()
}

// textSteps parses a text plan: each operation line is "  STEP OP".
func textSteps(plan string) (ops [][2]string) {
	for _, line := range strings.Split(plan, "\n") {
		rest, ok := strings.CutPrefix(line, "  ")
		if !ok {
			continue
		}
		step, op, _ := strings.Cut(rest, " ")
		ops = append(ops, [2]string{step, strings.TrimLeft(op, " ")})
	}
	return ops
}

// TestPlanJSONListsEveryOperation runs the text plan and the JSON plan of
// each command and compares them step by step: every operation the text
// lists is in its step's ops and paths, in the command's step table, in
// the table's order.
func TestPlanJSONListsEveryOperation(t *testing.T) {
	helperBin := fakeHelper(t)
	full := []string{"install", "--user=alice", "--cli-location=user", "--path-edit=shell", "--kubernetes",
		"--privileged-ports", "--helper-binary=" + helperBin,
		"--allowed-org=acme", `--admin-settings={"configurationFileVersion":2}`, "--accept-license"}
	for _, sc := range []struct {
		name    string
		setup   func(t *testing.T, root string)
		command string   // the step table the output follows
		args    []string // run with --dry-run
		steps   []string // steps that must have operations
	}{
		{name: "install every step", command: install.CommandInstall, args: full,
			steps: []string{install.StepLinks, install.StepPath, install.StepSocket, install.StepHosts,
				install.StepHelper, install.StepNewsyslog, install.StepSettings, install.StepProfile}},
		{name: "install over an old helper", command: install.CommandInstall,
			setup: func(t *testing.T, root string) {
				for p, data := range map[string]string{
					"Library/LaunchDaemons/com.docker.vmnetd.plist":   "<plist/>",
					"Library/PrivilegedHelperTools/com.docker.vmnetd": "old",
				} {
					p = filepath.Join(root, p)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			},
			args:  []string{"install", "--user=alice"},
			steps: []string{install.StepOldHelper, install.StepLinks, install.StepProfile}},
		{name: "install undoing leftovers", command: install.CommandInstall,
			setup: func(t *testing.T, root string) { runOut(t, root, full...) },
			args:  []string{"install", "--user=alice", "--no-privileged-ports", "--no-docker-socket"},
			steps: []string{install.StepLinks, install.StepPath, install.StepSocket, install.StepHelper,
				install.StepSettings, install.StepProfile}},
		{name: "uninstall every step", command: install.CommandUninstall,
			setup: func(t *testing.T, root string) { runOut(t, root, full...) },
			args:  []string{"uninstall"},
			steps: []string{install.StepProfile, install.StepSettings, install.StepNewsyslog, install.StepHelper,
				install.StepHosts, install.StepSocket, install.StepPath, install.StepLinks}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			root := newRoot(t)
			if sc.setup != nil {
				sc.setup(t, root)
			}
			args := append(slices.Clone(sc.args), "--dry-run")
			_, text := runOut(t, root, args...)
			_, js := runOut(t, root, append(args, "--json")...)
			var out jsonOut
			if err := json.Unmarshal([]byte(js), &out); err != nil {
				t.Fatalf("%v\n%s", err, js)
			}

			table := install.StepsOf(sc.command)
			var ids []string
			for _, st := range out.Steps {
				ids = append(ids, st.ID)
			}
			if !slices.Equal(ids, table) {
				t.Errorf("JSON steps %q, want the step table's %q (an op of a step not in the table?)", ids, table)
			}

			want := map[string][]string{} // step → ops, as the text lists them
			for _, op := range textSteps(text) {
				if !slices.Contains(table, op[0]) {
					t.Errorf("text plan has an op of step %q, which the %s step table does not list: %s", op[0], sc.command, op[1])
				}
				want[op[0]] = append(want[op[0]], op[1])
			}
			n := 0
			for _, st := range out.Steps {
				var got, paths []string
				for _, op := range st.Ops {
					if op.Step != st.ID {
						t.Errorf("step %s: JSON op of step %s", st.ID, op.Step)
					}
					got = append(got, op.String())
					paths = append(paths, op.Path)
				}
				if !slices.Equal(got, want[st.ID]) {
					t.Errorf("step %s: JSON ops\n\t%s\nwant (text plan)\n\t%s", st.ID, strings.Join(got, "\n\t"), strings.Join(want[st.ID], "\n\t"))
				}
				if !slices.Equal(st.Paths, paths) && !(len(paths) == 0 && len(st.Paths) == 0) {
					t.Errorf("step %s: paths %q, want %q", st.ID, st.Paths, paths)
				}
				wantAction := "unchanged"
				if len(got) > 0 {
					wantAction = "planned"
				}
				if st.Action != wantAction {
					t.Errorf("step %s: action %q, want %q", st.ID, st.Action, wantAction)
				}
				n += len(got)
			}
			if len(textSteps(text)) == 0 || n != len(textSteps(text)) {
				t.Errorf("JSON lists %d ops, the text plan %d:\n%s", n, len(textSteps(text)), text)
			}
			for _, id := range sc.steps {
				if len(want[id]) == 0 {
					t.Errorf("scenario has no op of step %s, which it is meant to cover:\n%s", id, text)
				}
			}
		})
	}
}
