// Performance traces: Docker Desktop's privileged "diagnostic action". Root takes
// them itself (`installer diagnose --trace`); the profile's user asks vmnetd
// (the trace command, PROTOCOL.md §2.4), which runs this code as root.

package helper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// SpindumpPath is absolute: root never looks a program up in PATH.
	SpindumpPath = "/usr/sbin/spindump"
	psPath       = "/bin/ps"

	// DefaultTraceSeconds and MaxTraceSeconds bound how long a trace samples.
	DefaultTraceSeconds = 5
	MaxTraceSeconds     = 10
	// TraceGrace is how long spindump may run after sampling: it
	// symbolicates what it saw, which takes 15–25 s on a busy Mac.
	TraceGrace = 60 * time.Second
	// MaxTraceSize bounds what a reader takes of a trace.
	MaxTraceSize = 64 << 20

	traceIntervalMS = 10 // between samples
	maxToolOutput   = 4 << 10
)

// TraceFunc writes a trace of about seconds into out, a path inside a
// directory only the caller (root) can reach. It must stop when ctx ends.
type TraceFunc func(ctx context.Context, out string, seconds int) error

// ErrTraceUnsupported is the answer on systems without spindump.
var ErrTraceUnsupported = fmt.Errorf("performance traces need macOS's %s; this system runs %s", SpindumpPath, runtime.GOOS)

// Process is a running process and its executable.
type Process struct {
	PID int
	Exe string
}

// ParsePS reads the output of `ps -axww -o pid=,comm=`: one process a
// line, its pid, blanks, then the executable (a full path on macOS, which
// may contain spaces). Lines that do not start with a pid are skipped.
func ParsePS(out []byte) []Process {
	var ps []Process
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		pid, exe, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(pid)
		if err != nil || n <= 0 {
			continue
		}
		ps = append(ps, Process{PID: n, Exe: strings.TrimSpace(exe)})
	}
	return ps
}

// AppProcesses are the processes whose executable is inside the app
// bundle, by pid.
func AppProcesses(ps []Process, appBundle string) []Process {
	var out []Process
	if appBundle == "" {
		return nil
	}
	prefix := strings.TrimSuffix(appBundle, "/") + "/"
	for _, p := range ps {
		if strings.HasPrefix(p.Exe, prefix) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// TraceTarget picks the process spindump is pointed at: the app's main
// executable (<app>/Contents/MacOS/…) if it runs, else any of the app's
// processes, else 0 (none: the whole system). spindump samples every
// process either way, so the app's helpers and backends are in the report;
// the target only decides whose stacks the report leads with.
func TraceTarget(ps []Process, appBundle string) int {
	app := AppProcesses(ps, appBundle)
	macos := strings.TrimSuffix(appBundle, "/") + "/Contents/MacOS"
	for _, p := range app {
		if path.Dir(p.Exe) == macos {
			return p.PID
		}
	}
	if len(app) > 0 {
		return app[0].PID
	}
	return 0
}

// SpindumpArgs is spindump's argument vector: sample for seconds every
// intervalMS milliseconds, leading with target (or -notarget), and write
// the report to out.
func SpindumpArgs(target, seconds, intervalMS int, out string) []string {
	first := "-notarget"
	if target > 0 {
		first = strconv.Itoa(target)
	}
	return []string{first, strconv.Itoa(seconds), strconv.Itoa(intervalMS), "-o", out}
}

// Spindump takes traces with /usr/sbin/spindump. Its effects are function
// fields so tests run it anywhere with fakes.
type Spindump struct {
	AppBundle string
	// Path is the program ("" is SpindumpPath).
	Path string
	// Run runs a program and returns its combined output (exec by default).
	Run func(ctx context.Context, name string, args ...string) ([]byte, error)
	// Processes lists the running processes (ps by default).
	Processes func(ctx context.Context) ([]Process, error)
}

// Trace implements TraceFunc.
func (s Spindump) Trace(ctx context.Context, out string, seconds int) error {
	run := s.Run
	if run == nil {
		run = runTool
	}
	list := s.Processes
	if list == nil {
		list = func(ctx context.Context) ([]Process, error) {
			b, err := runTool(ctx, psPath, "-axww", "-o", "pid=,comm=")
			return ParsePS(b), err
		}
	}
	// Without a process list the trace still covers the whole system.
	ps, _ := list(ctx)
	prog := s.Path
	if prog == "" {
		prog = SpindumpPath
	}
	args := SpindumpArgs(TraceTarget(ps, s.AppBundle), seconds, traceIntervalMS, out)
	if b, err := run(ctx, prog, args...); err != nil {
		return fmt.Errorf("%s %s: %w: %s", prog, strings.Join(args, " "), err, oneLine(b))
	}
	return nil
}

// runTool runs a program to completion or until ctx ends, keeping the
// start and end of what it printed.
func runTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out capBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return out.Bytes(), err
}

// capBuffer keeps the first maxToolOutput bytes written to it.
type capBuffer struct{ bytes.Buffer }

func (b *capBuffer) Write(p []byte) (int, error) {
	if room := maxToolOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func oneLine(b []byte) string { return strings.Join(strings.Fields(string(b)), " ") }

// TakeTrace runs trace into a fresh directory of dir ("" is /tmp for
// root, else os.TempDir()) that only this process's uid can enter — as
// root, checked with every directory above it to be root's alone — and
// returns the trace opened read-only, already unlinked, and (as root)
// owned by root with mode 0400, so that the descriptor is the only way to
// it: no path is left that anyone could swap or open for writing. The
// caller closes the file.
func TakeTrace(ctx context.Context, trace TraceFunc, dir string, seconds int) (*os.File, error) {
	if seconds <= 0 {
		seconds = DefaultTraceSeconds
	}
	if seconds > MaxTraceSeconds {
		return nil, fmt.Errorf("trace of %d s: at most %d s", seconds, MaxTraceSeconds)
	}
	if trace == nil {
		trace = PlatformTrace("")
	}
	asRoot := os.Geteuid() == 0
	if dir == "" && asRoot {
		// Root ignores TMPDIR, which a sudo caller may have pointed at a
		// directory they own and could swap our directory in.
		dir = "/tmp"
	}
	tmp, err := os.MkdirTemp(dir, "vmnetd-trace-")
	if err != nil {
		return nil, fmt.Errorf("trace directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("trace directory: %w", err)
	}
	if asRoot {
		// Only root can enter it, and nobody else can rename it or any
		// directory above it (a sticky /tmp is fine).
		if err := checkTrustedDir(tmp); err != nil {
			return nil, fmt.Errorf("trace directory: %w", err)
		}
	}
	out := filepath.Join(tmp, "spindump.txt")
	if err := trace(ctx, out, seconds); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(out, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("the trace tool wrote no report")
	}
	if err != nil {
		return nil, fmt.Errorf("opening the trace: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("the trace is a %s, not a file", fi.Mode().Type())
	}
	if err == nil && os.Geteuid() == 0 {
		err = f.Chown(0, 0)
	}
	if err == nil {
		err = f.Chmod(0o400)
	}
	if err == nil {
		err = os.Remove(out)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("securing the trace: %w", err)
	}
	return f, nil
}

// ReadTrace reads at most MaxTraceSize bytes of a trace from its start;
// truncated says there was more.
func ReadTrace(f *os.File) (data []byte, truncated bool, err error) {
	data, err = io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, MaxTraceSize+1), MaxTraceSize+1))
	if len(data) > MaxTraceSize {
		return data[:MaxTraceSize], true, err
	}
	return data, false, err
}
