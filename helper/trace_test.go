package helper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A re-executed child (see child) that asks for a trace as another uid and
// reports what it got. It runs from init, before TestMain.
func init() {
	sock := os.Getenv("VMNETD_TEST_TRACE_CHILD")
	if sock == "" {
		return
	}
	f, info, err := Client{Socket: sock}.Trace(context.Background(), 1)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(0)
	}
	data, _, _ := ReadTrace(f)
	_, werr := f.Write([]byte("x"))
	fmt.Printf("uid %d got %d bytes (%d announced): %s", os.Getuid(), len(data), info.Bytes, data)
	fmt.Printf("write: %v\n", werr != nil)
	os.Exit(0)
}

func TestSpindumpArgs(t *testing.T) {
	for _, tc := range []struct {
		target, secs int
		want         []string
	}{
		{4242, 5, []string{"4242", "5", "10", "-o", "/private/tmp/x/spindump.txt"}},
		{0, 3, []string{"-notarget", "3", "10", "-o", "/private/tmp/x/spindump.txt"}},
	} {
		if got := SpindumpArgs(tc.target, tc.secs, 10, "/private/tmp/x/spindump.txt"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SpindumpArgs(%d, %d) = %q, want %q", tc.target, tc.secs, got, tc.want)
		}
	}
}

// ps on macOS prints the executable's full path, spaces included.
const psOut = `    1 /sbin/launchd
  812 /Applications/Docker.app/Contents/MacOS/com.docker.backend
  815 /Applications/Docker.app/Contents/MacOS/Docker Desktop.app/Contents/MacOS/Docker Desktop
  640 /Applications/Docker.app/Contents/MacOS/Docker
  901 /Applications/Docker.app.bak/Contents/MacOS/Docker
  990 /Applications/Docker.app/Contents/Resources/bin/docker
garbage line
  -3 /bad
`

func TestParsePSAndTarget(t *testing.T) {
	ps := ParsePS([]byte(psOut))
	if len(ps) != 6 || ps[2].Exe != "/Applications/Docker.app/Contents/MacOS/Docker Desktop.app/Contents/MacOS/Docker Desktop" {
		t.Fatalf("ParsePS = %+v", ps)
	}
	var pids []int
	for _, p := range AppProcesses(ps, "/Applications/Docker.app") {
		pids = append(pids, p.PID)
	}
	if !reflect.DeepEqual(pids, []int{640, 812, 815, 990}) {
		t.Fatalf("app processes %v (the .bak bundle is not the app)", pids)
	}
	// The lowest pid in Contents/MacOS itself: 640 (Docker), not a nested app.
	if got := TraceTarget(ps, "/Applications/Docker.app"); got != 640 {
		t.Fatalf("target %d, want 640", got)
	}
	if got := TraceTarget(ps[3:], "/Applications/Docker.app/"); got != 640 {
		t.Fatalf("target with trailing slash %d", got)
	}
	if got := TraceTarget(ParsePS([]byte("  990 /Applications/Docker.app/Contents/Resources/bin/docker\n")), "/Applications/Docker.app"); got != 990 {
		t.Fatalf("fallback target %d, want 990", got)
	}
	if got := TraceTarget(ps, "/Applications/iEchor.app"); got != 0 {
		t.Fatalf("target of an app that is not running: %d", got)
	}
}

func TestSpindumpRunsWithTargetAndReportsFailure(t *testing.T) {
	var ran []string
	s := Spindump{
		AppBundle: "/Applications/Docker.app",
		Processes: func(context.Context) ([]Process, error) { return ParsePS([]byte(psOut)), nil },
		Run: func(_ context.Context, name string, args ...string) ([]byte, error) {
			ran = append([]string{name}, args...)
			return []byte("Sampling...\n"), nil
		},
	}
	if err := s.Trace(context.Background(), "/t/out.txt", 4); err != nil {
		t.Fatal(err)
	}
	if want := []string{"/usr/sbin/spindump", "640", "4", "10", "-o", "/t/out.txt"}; !reflect.DeepEqual(ran, want) {
		t.Fatalf("ran %q, want %q", ran, want)
	}
	s.Processes = func(context.Context) ([]Process, error) { return nil, errors.New("no ps") }
	s.Run = func(_ context.Context, name string, args ...string) ([]byte, error) {
		ran = append([]string{name}, args...)
		return []byte("spindump must be run as root\n"), errors.New("exit status 1")
	}
	err := s.Trace(context.Background(), "/t/out.txt", 4)
	if err == nil || !strings.Contains(err.Error(), "/usr/sbin/spindump -notarget 4 10 -o /t/out.txt: exit status 1: spindump must be run as root") {
		t.Fatalf("error %v", err)
	}
}

func TestTraceFrame(t *testing.T) {
	b, err := Request{Command: CmdTrace, TraceSeconds: 5}.Marshal()
	if err != nil || !bytes.Equal(b, []byte{0x45, 0x05}) {
		t.Fatalf("frame % x, %v", b, err)
	}
	req, err := ReadRequest(bytes.NewReader(b))
	if err != nil || req.Command != CmdTrace || req.TraceSeconds != 5 {
		t.Fatalf("decoded %+v, %v", req, err)
	}
	if _, err := ReadRequest(bytes.NewReader([]byte{0x45, 11})); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("11 s accepted: %v", err)
	}
	if _, err := (Request{Command: CmdTrace, TraceSeconds: 200}).Marshal(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("200 s encoded: %v", err)
	}
	if CmdTrace.String() != "trace" {
		t.Fatal(CmdTrace.String())
	}
}

// fakeSpindump is a real program standing in for spindump: it writes its
// arguments to the file after -o, as spindump writes its report.
func fakeSpindump(t testing.TB) Spindump {
	t.Helper()
	prog := filepath.Join(testDir(t), "spindump")
	script := "#!/bin/sh\nargs=\"$*\"\nwhile [ $# -gt 1 ]; do [ \"$1\" = -o ] && out=$2; shift; done\nprintf 'fake spindump %s\\n' \"$args\" > \"$out\"\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return Spindump{AppBundle: "/Applications/Docker.app", Path: prog,
		Processes: func(context.Context) ([]Process, error) { return nil, nil }}
}

func TestTakeTraceLeavesOnlyADescriptor(t *testing.T) {
	dir := t.TempDir()
	f, err := TakeTrace(context.Background(), func(_ context.Context, out string, secs int) error {
		return os.WriteFile(out, []byte(fmt.Sprintf("trace %d\n", secs)), 0o644)
	}, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, truncated, err := ReadTrace(f)
	if err != nil || truncated || string(data) != "trace 5\n" {
		t.Fatalf("trace %q truncated=%v err=%v", data, truncated, err)
	}
	checkPrivateDescriptor(t, int(f.Fd()), dir)
}

func TestTakeTraceRefusesADirectoryOthersControl(t *testing.T) {
	needRoot(t)
	dir := filepath.Join(testDir(t), "users")
	os.Mkdir(dir, 0o755)
	os.Chown(dir, nobody, nobody) // nobody could swap our directory in here
	ran := false
	_, err := TakeTrace(context.Background(), func(context.Context, string, int) error { ran = true; return nil }, dir, 1)
	var unsafe *UnsafePathError
	if !errors.As(err, &unsafe) || ran {
		t.Fatalf("trace under a user's directory: %v (ran %v)", err, ran)
	}
}

// checkPrivateDescriptor asserts what the user receives: a read-only
// descriptor of an unlinked 0400 file, with nothing left in dir.
func checkPrivateDescriptor(t *testing.T, fd int, dir string) {
	t.Helper()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil || flags&unix.O_ACCMODE != unix.O_RDONLY {
		t.Fatalf("descriptor flags %#o, %v: want read-only", flags, err)
	}
	if _, err := unix.Write(fd, []byte("x")); !errors.Is(err, unix.EBADF) {
		t.Fatalf("write through the descriptor: %v, want EBADF", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	if st.Nlink != 0 || st.Mode&0o777 != 0o400 || st.Mode&unix.S_IFMT != unix.S_IFREG {
		t.Fatalf("trace file nlink %d mode %o: want an unlinked regular file, 0400", st.Nlink, st.Mode)
	}
	if os.Geteuid() == 0 && st.Uid != 0 {
		t.Fatalf("trace owned by uid %d, want root", st.Uid)
	}
	if runtime.GOOS == "linux" {
		if target, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); !strings.HasSuffix(target, "(deleted)") {
			t.Fatalf("/proc/self/fd/%d -> %q, want a deleted file", fd, target)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left behind in %s: %v", dir, left)
	}
}

func TestTraceThroughHelperPassesAReadOnlyDescriptor(t *testing.T) {
	needRoot(t)
	dir := testDir(t)
	ts := startServer(t, Config{Trace: fakeSpindump(t).Trace, TraceDir: dir})

	// root, in this process
	f, info, err := ts.client().Trace(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	data, _, _ := ReadTrace(f)
	if !strings.HasPrefix(string(data), "fake spindump -notarget 2 10 -o "+dir+"/vmnetd-trace-") || info.Bytes != int64(len(data)) || info.Seconds != 2 {
		t.Fatalf("trace %q, info %+v", data, info)
	}
	checkPrivateDescriptor(t, int(f.Fd()), dir)
	f.Close()

	// the profile's user, in a child process: gets the trace, cannot write
	out := traceChild(t, nobody, ts.socket)
	if !strings.Contains(out, "uid 65534 got ") || !strings.Contains(out, "fake spindump -notarget 1 10 -o") || !strings.Contains(out, "write: true") {
		t.Fatalf("user's trace: %s", out)
	}
	// at once again: the user waits for the cooldown; root does not
	if out := traceChild(t, nobody, ts.socket); !strings.Contains(out, "error: vmnetd: a trace was taken moments ago; try again in") {
		t.Fatalf("second user trace: %s", out)
	}
	if f, _, err := ts.client().Trace(context.Background(), 1); err != nil {
		t.Fatalf("root after the user's trace: %v", err)
	} else {
		f.Close()
	}
	// a stranger is stopped at connect(2); were the socket's mode wrong,
	// the peer uid check would refuse it before anything runs
	if out := traceChild(t, stranger, ts.socket); !strings.Contains(out, "connect: permission denied") {
		t.Fatalf("stranger: %s", out)
	}
	if err := os.Chmod(ts.socket, 0o666); err != nil {
		t.Fatal(err)
	}
	if out := traceChild(t, stranger, ts.socket); !strings.Contains(out, "vmnetd closes connections of any uid but root") {
		t.Fatalf("stranger: %s", out)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

func traceChild(t *testing.T, uid int, socket string) string {
	t.Helper()
	cmd := exec.Command(childBinary(t))
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "VMNETD_TEST_TRACE_CHILD="+socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("trace child as %d: %v: %s", uid, err, out)
	}
	return string(out)
}

func TestOneTraceAtATime(t *testing.T) {
	needRoot(t)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ts := startServer(t, Config{TraceDir: testDir(t), Trace: func(ctx context.Context, out string, _ int) error {
		once.Do(func() { close(started) })
		<-release
		return os.WriteFile(out, []byte("slow trace\n"), 0o600)
	}})
	done := make(chan error, 1)
	go func() {
		f, _, err := ts.client().Trace(context.Background(), 1)
		if f != nil {
			f.Close()
		}
		done <- err
	}()
	<-started
	_, _, err := ts.client().Trace(context.Background(), 1)
	var se *StatusError
	if !errors.As(err, &se) || !strings.Contains(se.Message, "a trace is already running") {
		t.Fatalf("second concurrent trace: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTraceFailuresAreMessages(t *testing.T) {
	needRoot(t)
	// No trace runner configured: the platform's. Off macOS that is a refusal.
	ts := startServer(t, Config{TraceDir: testDir(t)})
	_, _, err := ts.client().Trace(context.Background(), 1)
	if runtime.GOOS != "darwin" && (err == nil || !strings.Contains(err.Error(), "performance traces need macOS's /usr/sbin/spindump; this system runs "+runtime.GOOS)) {
		t.Fatalf("trace off macOS: %v", err)
	}
	// A runner that writes nothing.
	ts = startServer(t, Config{TraceDir: testDir(t), Trace: func(context.Context, string, int) error { return nil }})
	if _, _, err := ts.client().Trace(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "wrote no report") {
		t.Fatalf("empty trace: %v", err)
	}
	// A runner that outlives its deadline is stopped by it.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = TakeTrace(ctx, Spindump{Path: "/bin/sleep", Run: func(ctx context.Context, _ string, _ ...string) ([]byte, error) {
		return runTool(ctx, "/bin/sleep", "30")
	}}.Trace, t.TempDir(), 1)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("hung trace: %v after %v", err, time.Since(start))
	}
}
