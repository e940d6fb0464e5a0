package helper

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSocketIsNobodys0600AndRemovedOnShutdown(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	fi, err := os.Lstat(ts.socket)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 || st.Uid != nobody {
		t.Fatalf("socket mode %v uid %d, want socket 0600 uid %d", fi.Mode(), st.Uid, nobody)
	}
	if err := ts.stop(t); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(ts.socket); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
}

func TestSocketPlacementRules(t *testing.T) {
	needRoot(t)
	dir := testDir(t)
	listen := func(path string) error {
		s, err := NewServer(Config{Socket: path, UID: nobody})
		if err == nil {
			s.Close()
		}
		return err
	}
	var unsafe *UnsafePathError

	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o755)
	os.Chmod(open, 0o775)
	os.Chown(open, 0, 100)
	if err := listen(filepath.Join(open, "s.sock")); !errors.As(err, &unsafe) {
		t.Errorf("group-writable dir accepted: %v", err)
	}
	owned := filepath.Join(dir, "owned")
	os.Mkdir(owned, 0o755)
	os.Chown(owned, nobody, nobody)
	if err := listen(filepath.Join(owned, "s.sock")); !errors.As(err, &unsafe) {
		t.Errorf("user-owned dir accepted: %v", err)
	}
	file := filepath.Join(dir, "file.sock")
	os.WriteFile(file, []byte("keep"), 0o644)
	if err := listen(file); !errors.As(err, &unsafe) {
		t.Errorf("regular file replaced: %v", err)
	}
	link := filepath.Join(dir, "link.sock")
	os.Symlink(file, link)
	if err := listen(link); !errors.As(err, &unsafe) {
		t.Errorf("link replaced: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Fatal("file was touched")
	}

	stale := filepath.Join(dir, "stale.sock")
	ln, _ := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if err := listen(stale); err != nil {
		t.Errorf("stale socket not replaced: %v", err)
	}
	live := startServer(t, Config{Socket: filepath.Join(dir, "live.sock")})
	if err := listen(live.socket); err == nil || !strings.Contains(err.Error(), "already listening") {
		t.Errorf("live socket replaced: %v", err)
	}
}

func TestVersion(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{Version: "1.2.3", Product: "docker", Commit: "0123456789abcdef0123456789abcdef01234567"})
	v, err := ts.client().Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != "1.2.3" || v.Protocol != 22 || v.Product != "docker" || v.Commit != "0123456789abcdef0123456789abcdef01234567" {
		t.Fatalf("version = %+v", v)
	}
}

func TestUninstallByUser(t *testing.T) {
	needRoot(t)
	root := testDir(t)
	plist := "/Library/LaunchDaemons/com.docker.vmnetd.plist"
	bin := "/Library/PrivilegedHelperTools/com.docker.vmnetd"
	for _, p := range []string{plist, bin} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte("x"), 0o644)
	}
	var booted []string
	u := &Uninstaller{Root: root, Label: "com.docker.vmnetd", Paths: []string{plist, bin},
		Bootout: func(label string) error { booted = append(booted, label); return nil }}
	ts := startServer(t, Config{Uninstall: u})
	if out := runChildOutput(t, nobody, "uninstall", ts.socket); out != "ok" {
		t.Fatalf("uninstall: %s", out)
	}
	select {
	case err := <-ts.done:
		ts.done <- err
		if !errors.Is(err, ErrUninstalled) {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server still running after uninstall")
	}
	for _, p := range []string{plist, bin, ts.socket} {
		if _, err := os.Lstat(filepath.Join(root, p)); !os.IsNotExist(err) && p != ts.socket {
			t.Errorf("%s still there", p)
		}
	}
	if _, err := os.Lstat(ts.socket); !os.IsNotExist(err) {
		t.Error("socket still there")
	}
	if len(booted) != 1 || booted[0] != "com.docker.vmnetd" {
		t.Fatalf("bootout calls: %v", booted)
	}
}
