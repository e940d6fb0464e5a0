package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/macfleet/installer/install/rootfs"
)

func openRoot(t *testing.T, dir string) rootfs.FS {
	t.Helper()
	r, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestLastLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
		cut  bool
	}{
		{"a\nb\nc\n", 2, "b\nc\n", true},
		{"a\nb\nc", 2, "b\nc", true},
		{"a\nb\n", 2, "a\nb\n", false},
		{"a\nb\n", 5, "a\nb\n", false},
		{"", 3, "", false},
	} {
		got, cut, _ := lastLines([]byte(tc.in), tc.n, false)
		if string(got) != tc.want || cut != tc.cut {
			t.Errorf("lastLines(%q, %d) = %q, %v; want %q, %v", tc.in, tc.n, got, cut, tc.want, tc.cut)
		}
	}
}

func TestReadTailIsBounded(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	os.WriteFile(filepath.Join(dir, "log"), []byte(b.String()), 0o644)
	fsys := openRoot(t, dir)
	got, cut, err := readTail(fsys, "/log", 1000, 1<<20)
	if err != nil || !cut {
		t.Fatal(err, cut)
	}
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != 1000 || lines[0] != "line 4000" || lines[999] != "line 4999" {
		t.Fatalf("%d lines, %q … %q", len(lines), lines[0], lines[len(lines)-1])
	}
	// Only the last 100 bytes are looked at: the cut first line is dropped.
	got, cut, _ = readTail(fsys, "/log", 1000, 100)
	if !cut || len(got) > 100 || !strings.HasPrefix(string(got), "line ") || !strings.HasSuffix(string(got), "line 4999\n") {
		t.Fatalf("bounded tail %q", got)
	}
}

func TestReadsStayInTheRoot(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("outside the root"), 0o644)
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "real"), []byte("inside"), 0o644)
	// An absolute link is taken inside the root, as the booted image sees it.
	os.Symlink("/etc/real", filepath.Join(dir, "etc", "hosts"))
	os.Symlink(outside, filepath.Join(dir, "etc", "abs"))
	os.Symlink("../../../../../../"+outside, filepath.Join(dir, "etc", "climb"))
	fsys := openRoot(t, dir)
	if got, _, err := readHead(fsys, "/etc/hosts", 100); err != nil || string(got) != "inside" {
		t.Fatalf("link inside the root: %q, %v", got, err)
	}
	for _, p := range []string{"/etc/abs", "/etc/climb"} {
		if got, _, err := readHead(fsys, p, 100); err == nil || strings.Contains(string(got), "outside") {
			t.Fatalf("%s read %q, %v", p, got, err)
		}
	}
	got, cut, err := readHead(fsys, "/etc/real", 3)
	if string(got) != "ins" || !cut || err != nil {
		t.Fatalf("capped read %q %v %v", got, cut, err)
	}
}

func TestAFIFOIsRefusedNotWaitedFor(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "hosts"), 0o644); err != nil {
		t.Skip("no mkfifo:", err)
	}
	fsys := openRoot(t, dir)
	done := make(chan error, 1)
	go func() { _, _, err := readHead(fsys, "/hosts", 100); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("fifo: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO blocked")
	}
}

func TestSourcesAreBounded(t *testing.T) {
	hang := &Source{File: "h", Timeout: 100 * time.Millisecond, Collect: func(context.Context) ([]byte, bool, error) { select {} }}
	panics := &Source{File: "p", Collect: func(context.Context) ([]byte, bool, error) { panic("boom") }}
	big := &Source{File: "b", Limit: 10, Collect: func(context.Context) ([]byte, bool, error) { return []byte(strings.Repeat("x", 100)), false, nil }}
	missing := &Source{File: "m", Collect: func(context.Context) ([]byte, bool, error) { return nil, false, fs.ErrNotExist }}
	denied := &Source{File: "d", Collect: func(context.Context) ([]byte, bool, error) {
		return nil, false, &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}
	}}
	skip := &Source{File: "s", Collect: func(context.Context) ([]byte, bool, error) {
		return nil, false, &Skip{Kind: "needs-root", Reason: "root only"}
	}}
	start := time.Now()
	rs := collect(context.Background(), []*Source{hang, panics, big, missing, denied, skip})
	if time.Since(start) > 2*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	if kindOf(rs[0].err) != "timeout" || !strings.Contains(rs[0].err.Error(), "no answer within 100ms") {
		t.Errorf("hang: %v", rs[0].err)
	}
	if kindOf(rs[1].err) != "failed" || !strings.Contains(rs[1].err.Error(), "boom") {
		t.Errorf("panic: %v", rs[1].err)
	}
	if len(rs[2].data) != 10 || !rs[2].truncated || rs[2].err != nil {
		t.Errorf("big: %d bytes, truncated %v", len(rs[2].data), rs[2].truncated)
	}
	for i, want := range map[int]string{3: "missing", 4: "denied", 5: "needs-root"} {
		if got := kindOf(rs[i].err); got != want {
			t.Errorf("source %d: kind %q, want %q", i, got, want)
		}
	}
	if kindOf(failure{fs.ErrNotExist}) != "failed" || !errors.Is(timeoutError("x"), context.DeadlineExceeded) {
		t.Error("classification")
	}
}
