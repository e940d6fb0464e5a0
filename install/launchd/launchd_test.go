package launchd

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"howett.net/plist"
)

func TestArgs(t *testing.T) {
	for _, tc := range []struct{ got, want []string }{
		{bootstrapArgs("/Library/LaunchDaemons/com.docker.socket.plist"), []string{"bootstrap", "system", "/Library/LaunchDaemons/com.docker.socket.plist"}},
		{bootoutArgs("com.docker.vmnetd"), []string{"bootout", "system/com.docker.vmnetd"}},
		{printArgs("com.docker.vmnetd"), []string{"print", "system/com.docker.vmnetd"}},
		{enableArgs("com.docker.vmnetd"), []string{"enable", "system/com.docker.vmnetd"}},
		{kickstartArgs("com.docker.vmnetd"), []string{"kickstart", "-k", "system/com.docker.vmnetd"}},
		{printDisabledArgs(), []string{"print-disabled", "system"}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		verb string
		code int
		want error
	}{
		{"bootstrap", 0, nil},
		{"bootstrap", 5, ErrLoaded},
		{"bootstrap", 37, ErrLoaded},
		{"bootstrap", 119, ErrDisabled},
		{"bootstrap", 122, ErrBadPlist},
		{"bootstrap", 113, ErrFailed},
		{"bootstrap", 2, ErrFailed},
		{"bootout", 0, nil},
		{"bootout", 3, ErrNotLoaded},
		{"bootout", 113, ErrNotLoaded},
		{"bootout", 5, ErrFailed},
		{"print", 113, ErrNotLoaded},
		{"print", 64, ErrFailed},
		{"kickstart", 113, ErrNotLoaded},
		{"kickstart", 3, ErrNotLoaded},
		{"enable", 1, ErrFailed},
		{"enable", 113, ErrFailed},
		{"print-disabled", 0, nil},
	} {
		if got := Classify(tc.verb, tc.code); got != tc.want {
			t.Errorf("Classify(%s, %d) = %v, want %v", tc.verb, tc.code, got, tc.want)
		}
	}
}

func TestParseDisabled(t *testing.T) {
	out := "disabled services = {\n\t\"com.apple.ftpd\" => disabled\n\t\"com.docker.vmnetd\" => enabled\n\t\"com.docker.socket\" => true\n\t\"com.docker.socket.x\" => false\n}\n"
	for label, want := range map[string]bool{"com.apple.ftpd": true, "com.docker.vmnetd": false, "com.docker.socket": true, "com.docker.socket.x": false, "nope": false} {
		if got := ParseDisabled(out, label); got != want {
			t.Errorf("%s: disabled=%v, want %v", label, got, want)
		}
	}
}

// writePlist puts a LaunchDaemon into root, root-owned 0644 (when root).
func writePlist(t *testing.T, root, label string, extra map[string]any) string {
	t.Helper()
	d := map[string]any{"Label": label, "ProgramArguments": []string{"/bin/true"}, "RunAtLoad": true}
	for k, v := range extra {
		d[k] = v
	}
	b, err := plist.Marshal(d, plist.XMLFormat)
	if err != nil {
		t.Fatal(err)
	}
	p := "/Library/LaunchDaemons/" + label + ".plist"
	if err := os.MkdirAll(filepath.Join(root, "Library/LaunchDaemons"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, p), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the model refuses a plist not owned by root")
	}
	root := t.TempDir()
	var log strings.Builder
	m := &Model{Root: root, StatePath: filepath.Join(t.TempDir(), "launchd.json"), Log: &log}
	r := m.Runner()
	helper := writePlist(t, root, "com.docker.vmnetd", map[string]any{
		"KeepAlive": map[string]any{"SuccessfulExit": false}, "StandardErrorPath": "/Library/Logs/docker-installer/vmnetd.log"})

	if _, err := r.Print("com.docker.vmnetd"); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("print before bootstrap: %v", err)
	}
	// missing log dir: loaded, never runs, last exit 78
	if err := r.Bootstrap(helper); err != nil {
		t.Fatal(err)
	}
	out, err := r.Print("com.docker.vmnetd")
	if err != nil || !strings.Contains(out, "state = not running") || !strings.Contains(out, "last exit code = 78: EX_CONFIG") {
		t.Fatalf("print with no log dir: %v\n%s", err, out)
	}
	if err := r.Bootstrap(helper); !errors.Is(err, ErrLoaded) {
		t.Fatalf("bootstrap of a loaded label: %v", err)
	}
	// a second process sees the same domain
	m2 := &Model{Root: root, StatePath: m.StatePath}
	if err := os.MkdirAll(filepath.Join(root, "Library/Logs/docker-installer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := m2.Runner().Kickstart("com.docker.vmnetd"); err != nil {
		t.Fatal(err)
	}
	if out, _ := r.Print("com.docker.vmnetd"); !strings.Contains(out, "state = running") || !strings.Contains(out, "runs = 1") {
		t.Fatalf("after kickstart:\n%s", out)
	}
	if err := r.Bootout("com.docker.vmnetd"); err != nil {
		t.Fatal(err)
	}
	if err := r.Bootout("com.docker.vmnetd"); err != nil {
		t.Fatalf("bootout of a job not loaded: %v", err)
	}
	if err := r.Kickstart("com.docker.vmnetd"); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("kickstart of a job not loaded: %v", err)
	}
	// disabled until enabled
	if _, _, err := m.Exec([]string{"disable", "system/com.docker.vmnetd"}); err != nil {
		t.Fatal(err)
	}
	if dis, err := r.Disabled("com.docker.vmnetd"); err != nil || !dis {
		t.Fatalf("disabled = %v, %v", dis, err)
	}
	if err := r.Bootstrap(helper); !errors.Is(err, ErrDisabled) {
		t.Fatalf("bootstrap of a disabled label: %v", err)
	}
	if err := r.Enable("com.docker.vmnetd"); err != nil {
		t.Fatal(err)
	}
	if err := r.Bootstrap(helper); err != nil {
		t.Fatalf("bootstrap after enable: %v", err)
	}
	// a RunAtLoad task runs once and exits 0
	boot := writePlist(t, root, "com.docker.socket", nil)
	if err := r.Bootstrap(boot); err != nil {
		t.Fatal(err)
	}
	if out, _ := r.Print("com.docker.socket"); !strings.Contains(out, "state = not running") || !strings.Contains(out, "last exit code = 0") {
		t.Fatalf("boot task:\n%s", out)
	}
	// plists launchd refuses
	bad := writePlist(t, root, "com.example.bad", nil)
	for _, fix := range []func(string) error{
		func(p string) error { return os.Chmod(p, 0o664) },
		func(p string) error { return os.Chmod(p, 0o646) },
		func(p string) error { os.Chmod(p, 0o644); return os.Chown(p, 501, 0) },
	} {
		if err := fix(filepath.Join(root, bad)); err != nil {
			t.Fatal(err)
		}
		if err := r.Bootstrap(bad); !errors.Is(err, ErrBadPlist) {
			t.Fatalf("bad plist: %v", err)
		}
	}
	if !strings.Contains(log.String(), "launchctl bootout system/com.docker.vmnetd\n  exit 113: Boot-out failed: 113: Could not find specified service\n") {
		t.Fatalf("log:\n%s", log.String())
	}
}

func TestRebootstrapWaitsForTeardown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the model refuses a plist not owned by root")
	}
	for _, tc := range []struct {
		settle time.Duration
		ok     bool
	}{{0, true}, {2 * time.Second, true}, {RetryFor, true}, {RetryFor + time.Second, false}} {
		root := t.TempDir()
		m := &Model{Root: root, StatePath: filepath.Join(root, "state.json"), Settle: tc.settle}
		r := m.Runner()
		p := writePlist(t, root, "com.docker.socket", nil)
		if err := r.Bootstrap(p); err != nil {
			t.Fatal(err)
		}
		if err := r.Bootout("com.docker.socket"); err != nil {
			t.Fatal(err)
		}
		if tc.settle > 0 {
			if err := r.Bootstrap(p); !errors.Is(err, ErrLoaded) {
				t.Fatalf("settle %v: plain bootstrap right after bootout: %v", tc.settle, err)
			}
		}
		err := r.Rebootstrap(p)
		if (err == nil) != tc.ok {
			t.Fatalf("settle %v: rebootstrap: %v", tc.settle, err)
		}
		st, _ := m.Snapshot()
		if st.Clock > (RetryFor + RetryEvery).Milliseconds() {
			t.Fatalf("settle %v: waited %d ms, more than %v", tc.settle, st.Clock, RetryFor)
		}
	}
}
