package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/macfleet/installer/helper"
	"github.com/macfleet/installer/install/product"
)

const nobody = 65534

func TestMain(m *testing.M) {
	if os.Getenv("VMNETD_TEST_MAIN") == "1" {
		os.Exit(Main(context.Background(), append([]string{"vmnetd"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	// Under -race each process sleeps a second at exit (the race runtime's
	// atexit_sleep_ms): the children these tests start exit after 10ms.
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=10"))
	}
	os.Exit(m.Run())
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// rig is a target root laid out like the product expects: a root-owned
// app support dir with a profile, the helper's plist and binary, and a
// var/run for the socket.
type rig struct {
	root, socket, profile string
	desc                  product.Descriptor
	priv                  ed25519.PrivateKey
}

func newRig(t *testing.T) *rig {
	needRoot(t)
	root, err := os.MkdirTemp("", "vmnetd-root-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(root, 0o755)
	t.Cleanup(func() { os.RemoveAll(root) })
	d, _ := product.Builtin("docker")
	r := &rig{root: root, desc: d, socket: filepath.Join(root, d.HelperSocket), profile: filepath.Join(root, d.ProfilePath())}
	for _, p := range []string{d.AppSupportDir, "/var/run", "/Library/LaunchDaemons", "/Library/PrivilegedHelperTools"} {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, d.HelperPlist()), []byte("plist"), 0o644)
	os.WriteFile(filepath.Join(root, d.HelperBinary()), []byte("binary"), 0o755)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	r.priv = priv
	data, err := plist.MarshalIndent(map[string]any{
		"User": "nobody", "UID": nobody, "Product": "docker", "Home": "/nonexistent",
		"PolicyKey": base64.StdEncoding.EncodeToString(pub),
	}, plist.XMLFormat, "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.profile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

// start runs Main in this process and waits for the socket.
func (r *rig) start(t *testing.T, args ...string) (cancel func() int) {
	ctx, stop := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"vmnetd", "--root", r.root}, args...), &bytes.Buffer{}, &stderr)
	}()
	waitSocket(t, r.socket, done)
	return func() int {
		stop()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("vmnetd did not stop")
			return -1
		}
	}
}

func waitSocket(t *testing.T, socket string, done chan int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Lstat(socket); err == nil {
			return
		}
		select {
		case code := <-done:
			t.Fatalf("vmnetd exited %d before creating its socket", code)
		default:
		}
	}
	t.Fatal("no socket after 5s")
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"},
		{"--profile", "/x", "--allow-uid", "501"},
		{"--allow-uid", "0"},
		{"--root", "relative"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if code := Main(context.Background(), append([]string{"vmnetd"}, args...), &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr.String())
		}
		if n := strings.Count(strings.TrimSpace(stderr.String()), "\n"); n != 0 {
			t.Errorf("%v: error is not one line: %q", args, stderr.String())
		}
	}
	if code := Main(context.Background(), []string{"vmnetd", "--product", "nope"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 8 {
		t.Errorf("unknown product: exit %d, want 8", code)
	}
}

func TestServesProfileUserAndStopsCleanly(t *testing.T) {
	r := newRig(t)
	stop := r.start(t)
	fi, err := os.Lstat(r.socket)
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != nobody || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v: %v", fi.Mode(), err)
	}
	c := helper.Client{Socket: r.socket}
	v, err := c.Version(context.Background())
	if err != nil || v.Product != "docker" || v.Protocol != 22 {
		t.Fatalf("version %+v, %v", v, err)
	}
	f, err := c.Bind(context.Background(), helper.TCP, netip.MustParseAddrPort("127.0.0.1:87"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The profile's PolicyKey is honoured: a signed policy from root is stored.
	env, _ := helper.SignPolicy(r.priv, 1, []byte(`{"a":1}`))
	if err := c.SetPolicy(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(r.root, r.desc.PolicyPath())); string(got) != `{"a":1}` {
		t.Fatalf("policy file %q", got)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Lstat(r.socket); !os.IsNotExist(err) {
		t.Fatal("socket left behind")
	}
}

func TestUnsafeProfileExit9(t *testing.T) {
	r := newRig(t)
	os.Chmod(r.profile, 0o666)
	var stderr bytes.Buffer
	code := Main(context.Background(), []string{"vmnetd", "--root", r.root}, &bytes.Buffer{}, &stderr)
	if code != 9 || !strings.Contains(stderr.String(), "writable by everyone") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	os.Chmod(r.profile, 0o644)
	os.Chmod(filepath.Join(r.root, "var/run"), 0o777)
	code = Main(context.Background(), []string{"vmnetd", "--root", r.root}, &bytes.Buffer{}, &stderr)
	if code != 9 {
		t.Fatalf("world-writable socket dir: exit %d: %s", code, stderr.String())
	}
	os.Remove(r.profile)
	code = Main(context.Background(), []string{"vmnetd", "--root", r.root}, &bytes.Buffer{}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "--allow-uid") {
		t.Fatalf("no profile: exit %d: %s", code, stderr.String())
	}
}

func TestUninstallThroughDaemon(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"vmnetd", "--root", r.root, "--allow-uid", "501"}, &bytes.Buffer{}, &bytes.Buffer{})
	}()
	waitSocket(t, r.socket, done)
	if err := (helper.Client{Socket: r.socket}).Uninstall(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still running after uninstall")
	}
	for _, p := range []string{r.desc.HelperPlist(), r.desc.HelperBinary(), r.desc.HelperSocket} {
		if _, err := os.Lstat(filepath.Join(r.root, p)); !os.IsNotExist(err) {
			t.Errorf("%s still there", p)
		}
	}
}

// daemon runs this test binary as vmnetd in a child process.
func daemon(t *testing.T, bin string, uid int, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "VMNETD_TEST_MAIN=1")
	cmd.Stderr = os.Stderr
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	}
	return cmd
}

func TestSIGTERMStopsDaemonAndFDsStayFlat(t *testing.T) {
	r := newRig(t)
	self, _ := os.Executable()
	cmd := daemon(t, self, 0, "--root", r.root)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	defer func() {
		if t.Failed() {
			t.Logf("daemon log tail:\n%s", tail(logs.String(), 20))
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { cmd.Wait(); done <- cmd.ProcessState.ExitCode() }()
	waitSocket(t, r.socket, done)
	c := helper.Client{Socket: r.socket}
	bind := func() {
		f, err := c.Bind(context.Background(), helper.TCP, netip.MustParseAddrPort("127.0.0.1:88"))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	bind()
	fds := func() int {
		ents, err := os.ReadDir("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/fd")
		if err != nil {
			t.Skip("no /proc:", err)
		}
		return len(ents)
	}
	// Let the first connection's handler finish before counting.
	before := fds()
	for stable := 0; stable < 5; time.Sleep(20 * time.Millisecond) {
		if n := fds(); n == before {
			stable++
		} else {
			before, stable = n, 0
		}
	}
	for range 1000 {
		bind()
	}
	after := fds()
	for end := time.Now().Add(2 * time.Second); after != before && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		after = fds()
	}
	if after != before {
		t.Errorf("daemon fds: %d before 1000 requests, %d after", before, after)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after SIGTERM", code)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
	if _, err := os.Lstat(r.socket); !os.IsNotExist(err) {
		t.Fatal("socket left behind")
	}
}

func TestNotRootExit3(t *testing.T) {
	if os.Geteuid() != 0 {
		var stderr bytes.Buffer
		if code := Main(context.Background(), []string{"vmnetd", "--allow-uid", "501"}, &bytes.Buffer{}, &stderr); code != 3 {
			t.Fatalf("exit %d, want 3: %s", code, stderr.String())
		}
		return
	}
	self, _ := os.Executable()
	dir, _ := os.MkdirTemp("", "vmnetd-bin-")
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	data, _ := os.ReadFile(self)
	bin := filepath.Join(dir, "vmnetd.test")
	os.WriteFile(bin, data, 0o755)
	cmd := daemon(t, bin, nobody, "--allow-uid", "501", "--socket", filepath.Join(dir, "s.sock"))
	cmd.Dir = "/"
	err := cmd.Run()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("as nobody: %v, want exit 3", err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestBinaryProfileRefused: vmnetd reads the profile as the installer
// does, XML only: the binary plist decoder can be made to work
// exponentially long, and root must not run it on a file it did not write.
func TestBinaryProfileRefused(t *testing.T) {
	r := newRig(t)
	data, err := plist.Marshal(map[string]any{"User": "nobody", "UID": nobody, "Product": "docker", "Home": "/nonexistent"}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.profile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Were the profile accepted, vmnetd would serve until the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	code := Main(ctx, []string{"vmnetd", "--root", r.root}, &bytes.Buffer{}, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "binary plist") {
		t.Fatalf("binary profile: exit %d: %s", code, stderr.String())
	}
}
