//go:build linux

package hostsfile

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGlibcResolver feeds Ensure's output to the real glibc resolver, so
// the block is proved to be read the way we mean it, CRLF and missing
// final newline included. The file is bind-mounted over /etc/hosts in a
// private mount namespace: the machine's /etc/hosts is never written.
//
// Two lookups, because glibc has two orders: getaddrinfo ("ahostsv4")
// sorts by RFC 6724 and puts 127.0.0.1 before 10.0.0.1 whatever the file
// order, while gethostbyname ("hosts") answers in file order. A
// conflicting line left active shows up in both, first in the second.
func TestGlibcResolver(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to bind-mount a hosts file in a private mount namespace")
	}
	for _, tool := range []string{"unshare", "getent", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	real, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Skipf("needs an /etc/hosts to mount over: %v", err)
	}
	t.Cleanup(func() {
		if now, err := os.ReadFile("/etc/hosts"); err != nil || !bytes.Equal(now, real) {
			t.Errorf("/etc/hosts changed during the test (err %v)", err)
		}
	})
	dir := t.TempDir()
	n := 0
	lookup := func(t *testing.T, hosts []byte, db, name string) []string {
		t.Helper()
		n++
		file := filepath.Join(dir, "hosts"+strings.Repeat("x", n))
		if err := os.WriteFile(file, hosts, 0o644); err != nil {
			t.Fatal(err)
		}
		script := `mount --bind "$1" /etc/hosts || exit 99; echo mounted; getent "$2" "$3"`
		out, err := exec.Command("unshare", "-m", "sh", "-c", script, "sh", file, db, name).CombinedOutput()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 0 || lines[0] != "mounted" {
			t.Skipf("cannot bind-mount in a private namespace here: %v: %s", err, out)
		}
		var addrs []string
		for _, l := range lines[1:] {
			if f := strings.Fields(l); len(f) > 0 && !slices.Contains(addrs, f[0]) {
				addrs = append(addrs, f[0])
			}
		}
		return addrs
	}
	ensure := func(t *testing.T, old string, want []Entry) []byte {
		t.Helper()
		out, _ := Ensure([]byte(old), "docker", want)
		checkRoundTrip(t, []byte(old), "docker", want)
		return out
	}
	noLocalhost := "# no localhost here\n10.1.1.1\tdb\n"

	t.Run("localhost added", func(t *testing.T) {
		for _, old := range []string{noLocalhost, "10.1.1.1 db\r\n", "10.1.1.1 db", ""} {
			out := ensure(t, old, onlyLocal)
			if got := lookup(t, out, "ahostsv4", "localhost"); !slices.Equal(got, []string{"127.0.0.1"}) {
				t.Errorf("hosts %q: getent ahostsv4 localhost = %v, want [127.0.0.1]", out, got)
			}
		}
	})

	t.Run("conflict disabled", func(t *testing.T) {
		old := noLocalhost + "10.0.0.1 localhost\n"
		if got := lookup(t, []byte(old), "ahostsv4", "localhost"); len(got) == 0 || got[0] != "10.0.0.1" {
			t.Fatalf("before: getent ahostsv4 localhost = %v, want 10.0.0.1 first", got)
		}
		// Our block alone, without disabling the line, is not enough.
		blockOnly := old + ourBlock(lhLine)
		if got := lookup(t, []byte(blockOnly), "hosts", "localhost"); len(got) == 0 || got[0] != "10.0.0.1" {
			t.Fatalf("block without disabling: getent hosts localhost = %v, want 10.0.0.1 first", got)
		}
		if got := lookup(t, []byte(blockOnly), "ahostsv4", "localhost"); !slices.Contains(got, "10.0.0.1") {
			t.Fatalf("block without disabling: getent ahostsv4 localhost = %v, want 10.0.0.1 among them", got)
		}
		out := ensure(t, old, onlyLocal)
		for _, db := range []string{"ahostsv4", "hosts"} {
			if got := lookup(t, out, db, "localhost"); !slices.Equal(got, []string{"127.0.0.1"}) {
				t.Errorf("after Ensure: getent %s localhost = %v, want [127.0.0.1]", db, got)
			}
		}
	})

	t.Run("kubernetes name", func(t *testing.T) {
		for _, old := range []string{noLocalhost, macOSHosts, dockerDesktopHosts, "10.0.0.9 kubernetes.docker.internal\r\n"} {
			out := ensure(t, old, withKube)
			if got := lookup(t, out, "ahostsv4", "kubernetes.docker.internal"); !slices.Equal(got, []string{"127.0.0.1"}) {
				t.Errorf("hosts %q: getent ahostsv4 kubernetes.docker.internal = %v, want [127.0.0.1]", out, got)
			}
		}
	})
}
