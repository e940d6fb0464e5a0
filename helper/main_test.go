package helper

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// The tests that bind real privileged ports run as root and start the
// client as an unprivileged uid by re-executing this test binary.
const (
	nobody   = 65534
	stranger = 65533
)

var (
	childOnce sync.Once
	childDir  string
	childBin  string
	childErr  error
)

func TestMain(m *testing.M) {
	if mode := os.Getenv("VMNETD_TEST_CHILD"); mode != "" {
		os.Exit(runChild(mode, strings.Split(os.Getenv("VMNETD_TEST_ARGS"), "\x1f")))
	}
	// Under -race each process sleeps a second at exit (the race runtime's
	// atexit_sleep_ms): the children these tests start exit after 10ms.
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=10"))
	}
	code := m.Run()
	if childDir != "" {
		os.RemoveAll(childDir)
	}
	os.Exit(code)
}

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: binds privileged ports and changes uids")
	}
}

// testDir is a root-owned 0755 directory that other uids can traverse but
// not change: a valid home for the helper's socket.
func testDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "vmnetd-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

type testServer struct {
	*Server
	socket  string
	logs    *observer.ObservedLogs
	cancel  context.CancelFunc
	done    chan error
	started time.Time
}

// startServer runs a Server in this process, allowing uid nobody unless
// cfg says otherwise, and stops it at the end of the test.
func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	if cfg.Socket == "" {
		cfg.Socket = filepath.Join(testDir(t), "vmnetd.sock")
	}
	if cfg.UID == 0 {
		cfg.UID = nobody
	}
	var logs *observer.ObservedLogs
	if cfg.Logger == nil {
		var core zapcore.Core
		core, logs = observer.New(zap.DebugLevel)
		cfg.Logger = zap.New(core)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: s, socket: cfg.Socket, logs: logs, cancel: cancel, done: make(chan error, 1), started: time.Now()}
	go func() { ts.done <- s.Serve(ctx) }()
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

func (ts *testServer) stop(t testing.TB) error {
	ts.cancel()
	select {
	case err := <-ts.done:
		ts.done <- err
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop")
		return nil
	}
}

func (ts *testServer) client() Client { return Client{Socket: ts.socket, Timeout: 5 * time.Second} }

// childBinary copies this test binary somewhere every uid may execute it
// (go test builds it in a root-only directory).
func childBinary(t testing.TB) string {
	childOnce.Do(func() {
		var self string
		if self, childErr = os.Executable(); childErr != nil {
			return
		}
		if childDir, childErr = os.MkdirTemp("", "vmnetd-child-"); childErr != nil {
			return
		}
		os.Chmod(childDir, 0o755)
		childBin = filepath.Join(childDir, "helper.test")
		var data []byte
		if data, childErr = os.ReadFile(self); childErr == nil {
			childErr = os.WriteFile(childBin, data, 0o755)
		}
	})
	if childErr != nil {
		t.Fatal(childErr)
	}
	return childBin
}

// child prepares this binary to run mode as uid.
func child(t testing.TB, uid int, mode string, args ...string) *exec.Cmd {
	cmd := exec.Command(childBinary(t))
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "VMNETD_TEST_CHILD="+mode, "VMNETD_TEST_ARGS="+strings.Join(args, "\x1f"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	return cmd
}

// runChildOutput runs a one-shot child and returns its stdout.
func runChildOutput(t testing.TB, uid int, mode string, args ...string) string {
	t.Helper()
	cmd := child(t, uid, mode, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child %s as uid %d: %v (output %q)", mode, uid, err, out)
	}
	return strings.TrimSpace(string(out))
}

// serveChild starts a long-running child, waits for its first line and
// returns it; closing its stdin ends it.
func serveChild(t testing.TB, uid int, mode string, args ...string) string {
	t.Helper()
	return serveCmd(t, child(t, uid, mode, args...), mode)
}

// serveCmd is serveChild for a command prepared by child.
func serveCmd(t testing.TB, cmd *exec.Cmd, mode string) string {
	t.Helper()
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("child %s: %v", mode, err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("child %s did not exit", mode)
		}
	})
	lines := bufio.NewScanner(stdout)
	var out []string
	for lines.Scan() {
		out = append(out, lines.Text())
		if strings.HasPrefix(lines.Text(), "bound ") || strings.HasPrefix(lines.Text(), "error") {
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	return strings.Join(out, "\n")
}

// runChild is the body of a re-executed child. It prints what it saw.
func runChild(mode string, args []string) int {
	ctx := context.Background()
	c := Client{Socket: args[0], Timeout: 5 * time.Second}
	switch mode {
	case "serve-tcp":
		if l, err := net.Listen("tcp4", args[1]); err == nil {
			l.Close()
			fmt.Println("direct bind unexpectedly allowed")
		} else {
			fmt.Println("direct:", err)
		}
		ln, via, err := c.ListenTCP(ctx, args[1])
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		fmt.Printf("bound tcp %s via %s\n", args[1], via)
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello from uid %d via vmnetd\n", os.Getuid())
		}))
		io.Copy(io.Discard, os.Stdin)
		ln.Close()
	case "serve-udp":
		pc, via, err := c.ListenUDP(ctx, args[1])
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		fmt.Printf("bound udp %s via %s\n", args[1], via)
		go func() {
			buf := make([]byte, 1500)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo(append([]byte("echo "), buf[:n]...), from)
			}
		}()
		io.Copy(io.Discard, os.Stdin)
		pc.Close()
	case "listen-tcp":
		ln, via, err := c.ListenTCP(ctx, args[1])
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		ln.Close()
		fmt.Println("bound via", via)
	case "stall", "flood", "hold-tcp", "hold-udp", "timed-bind", "bind-tcp", "bind-udp", "bind-loop":
		return attackChild(mode, c, args)
	case "bind":
		ap, err := ParseAddr(args[1])
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		f, err := c.Bind(ctx, TCP, ap)
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		f.Close()
		fmt.Println("bound")
	case "serve": // a vmnetd in its own process, for the benchmarks
		enc := zapcore.NewConsoleEncoder(zap.NewProductionEncoderConfig())
		s, err := NewServer(Config{Socket: args[0], UID: nobody,
			Logger: zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zapcore.InfoLevel))})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
		defer stop()
		if err := s.Serve(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case "policy-set":
		data, _ := base64.StdEncoding.DecodeString(args[1])
		if err := c.SetPolicy(ctx, data); err != nil {
			fmt.Println("error:", err)
			return 0
		}
		fmt.Println("ok")
	case "uninstall":
		if err := c.Uninstall(ctx); err != nil {
			fmt.Println("error:", err)
			return 0
		}
		fmt.Println("ok")
	default:
		fmt.Fprintln(os.Stderr, "unknown child mode", mode)
		return 2
	}
	return 0
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func isEOFish(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}
