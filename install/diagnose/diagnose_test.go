package diagnose

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/macfleet/installer/helper"
	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/launchd"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/sampleroot"
	"github.com/macfleet/installer/install/users"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// installed is a sample root with the product installed for alice, as the
// CLI would, offline, by whoever runs the test.
func installed(t *testing.T, opts install.Options) (*install.Env, string) {
	t.Helper()
	d, _ := product.Builtin("docker")
	dir := t.TempDir()
	if err := sampleroot.Build(dir, sampleroot.Options{Product: d, Hosts: sampleroot.MacHosts, Users: []sampleroot.User{{Name: "alice", UID: 501, GID: 20}}}); err != nil {
		t.Fatal(err)
	}
	fsys := openRoot(t, dir)
	env := &install.Env{FS: fsys, Euid: os.Geteuid(), Now: func() time.Time { return now }, Version: "1.2.3",
		ReadHostFile: os.ReadFile, LookupUser: func(name string) (users.User, int, error) { return users.Offline(fsys, name) }}
	opts.Product, opts.User, opts.CLILocation, opts.PathEdit, opts.DockerSocket = d, "alice", "system", "paths.d", true
	if _, err := install.Install(env, opts); err != nil {
		t.Fatal(err)
	}
	return env, dir
}

func config(env *install.Env, dir string) Config {
	d, _ := product.Builtin("docker")
	return Config{Env: env, Product: d, RootDir: dir, Version: "installer 1.2.3\n",
		Helper: helper.Client{Socket: filepath.Join(dir, d.HelperSocket)}, Host: "mac-1"}
}

// readBack writes the bundle and reads it like an administrator would.
func readBack(t *testing.T, b *Bundle) (names []string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := b.Write(&buf, "bundle"); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files = map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, _ := io.ReadAll(tr)
		name := strings.TrimPrefix(h.Name, "bundle/")
		names = append(names, name)
		files[name] = data
	}
	return names, files
}

func TestBundleOfAnInstall(t *testing.T) {
	env, dir := installed(t, install.Options{Kubernetes: true, PolicyKey: "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",
		Settings: install.Settings{ProxyHTTPMode: "manual", OverrideProxyHTTP: "http://u:proxy-pw-42@proxy:3128"}})
	// The recorded link removed: the receipt check and status both see it.
	os.Remove(filepath.Join(dir, "usr/local/bin/kubectl"))
	cfg := config(env, dir)
	cfg.StatusJSON = func(rep *install.StatusReport) any { return map[string]any{"shaped": true, "healthy": rep.Healthy()} }
	b := Run(context.Background(), cfg)
	names, files := readBack(t, b)
	if names[0] != "manifest.json" {
		t.Fatalf("first entry %s", names[0])
	}
	var m Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if !m.Installed || m.Product != "docker" || !m.CollectedAt.Equal(now) || m.Host != "mac-1" || m.Live {
		t.Fatalf("manifest %+v", m)
	}
	for _, f := range m.Files {
		if data, ok := files[f.Name]; !ok || sha256Hex(data) != f.SHA256 || len(data) != f.Size {
			t.Errorf("%s: in bundle %v, sha256 or size differs", f.Name, ok)
		}
	}
	if len(files) != len(m.Files)+1 {
		t.Errorf("bundle has %d files, manifest lists %d", len(files), len(m.Files))
	}
	if string(files["status.json"]) != "{\n  \"healthy\": false,\n  \"shaped\": true\n}\n" {
		t.Errorf("status.json not shaped by the CLI's StatusJSON: %s", files["status.json"])
	}
	var checks []ReceiptCheck
	json.Unmarshal(files["receipt.json"], &checks)
	states := map[string]ReceiptState{}
	for _, c := range checks {
		states[c.Path] = c.State
	}
	if states["/usr/local/bin/kubectl"] != ReceiptMissing || states["/usr/local/bin/docker"] != ReceiptPresent ||
		states["/etc/hosts"] != ReceiptPresent || states["/Library/LaunchDaemons/com.docker.socket.plist"] != ReceiptPresent {
		t.Errorf("receipt check: %v", states)
	}
	for name, data := range files {
		for _, secret := range []string{"proxy-pw-42", "POEL4dcN0Y50"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds %s", name, secret)
			}
		}
	}
	// Offline: launchd is not asked; the reason says why.
	found := false
	for _, miss := range m.NotCollected {
		if miss.Name == "launchctl/com.docker.socket.txt" && miss.Kind == "not-applicable" {
			found = true
		}
	}
	if !found {
		t.Errorf("notCollected: %+v", m.NotCollected)
	}
}

// slowRunner answers Print after a delay.
type slowRunner struct {
	launchd.Runner
	delay time.Duration
}

func (s *slowRunner) Print(label string) (string, error) {
	time.Sleep(s.delay)
	return s.Runner.Print(label)
}

func TestHungLaunchdCostsOneTimeout(t *testing.T) {
	env, dir := installed(t, install.Options{})
	env.Live = true
	env.Launchd = &slowRunner{delay: time.Hour, Runner: (&launchd.Model{Root: dir}).Runner()}
	start := time.Now()
	b := Run(context.Background(), config(env, dir))
	if el := time.Since(start); el > LaunchctlTimeout+2*time.Second {
		t.Fatalf("took %v with launchd hung", el)
	}
	kinds := map[string]string{}
	for _, miss := range b.Manifest.NotCollected {
		kinds[miss.Name] = miss.Kind
	}
	if kinds["launchctl/com.docker.socket.txt"] != "timeout" || kinds["launchctl/com.docker.vmnetd.txt"] != "timeout" {
		t.Fatalf("not collected: %v", kinds)
	}
	if _, ok := kinds["status.json"]; ok {
		t.Fatal("status timed out too")
	}
	// A launchd that answers in time is printed.
	m := &launchd.Model{Root: dir}
	if err := m.Runner().Bootstrap("/Library/LaunchDaemons/com.docker.socket.plist"); err != nil {
		t.Fatal(err)
	}
	env.Launchd = &slowRunner{delay: 10 * time.Millisecond, Runner: m.Runner()}
	b = Run(context.Background(), config(env, dir))
	for _, f := range b.Files {
		if f.Name == "launchctl/com.docker.socket.txt" && !bytes.Contains(f.Data, []byte("path = /Library/LaunchDaemons/com.docker.socket.plist")) {
			t.Fatalf("launchctl print: %q", f.Data)
		}
	}
}

func TestTraceAsRoot(t *testing.T) {
	env, dir := installed(t, install.Options{})
	env.Euid = 0 // the path root takes; the runner is fake
	cfg := config(env, dir)
	cfg.Trace, cfg.TraceSeconds = true, 2
	var gotSecs int
	cfg.RootTrace = func(_ context.Context, out string, secs int) error {
		gotSecs = secs
		return os.WriteFile(out, []byte("Process: Docker [640]\nproxy http://u:trace-pw@h\n"), 0o600)
	}
	b := Run(context.Background(), cfg)
	_, files := readBack(t, b)
	got, ok := files["trace/spindump.txt"]
	if !ok || gotSecs != 2 || !bytes.Contains(got, []byte("Process: Docker [640]")) || bytes.Contains(got, []byte("trace-pw")) {
		t.Fatalf("trace %q (%v), %d s", got, ok, gotSecs)
	}
	// A failing runner is a reason in the manifest, not a failed run.
	cfg.RootTrace = func(context.Context, string, int) error { return helper.ErrTraceUnsupported }
	b = Run(context.Background(), cfg)
	last := b.Manifest.NotCollected[len(b.Manifest.NotCollected)-1]
	if last.Name != "trace/spindump.txt" || !strings.Contains(last.Reason, "performance traces need macOS") {
		t.Fatalf("failed trace: %+v", last)
	}
}

func TestTraceAsUserWithoutHelper(t *testing.T) {
	env, dir := installed(t, install.Options{})
	env.Euid = 501
	cfg := config(env, dir)
	cfg.Trace = true
	b := Run(context.Background(), cfg)
	last := b.Manifest.NotCollected[len(b.Manifest.NotCollected)-1]
	if last.Kind != "needs-root" || !strings.Contains(last.Reason, "sudo installer diagnose --trace") {
		t.Fatalf("user trace: %+v", last)
	}
}

func TestNames(t *testing.T) {
	if got := DefaultName("docker", "Mac Book/1", now); got != "docker-diagnose-Mac_Book_1-20260102T030405Z.tar.gz" {
		t.Error(got)
	}
	for in, want := range map[string]string{"/x/b.tar.gz": "b", "b.tgz": "b", "bundle": "bundle", "..": "unknown", "a b.tar.gz": "a_b"} {
		if got := DirName(in); got != want {
			t.Errorf("DirName(%q) = %q, want %q", in, got, want)
		}
	}
}
