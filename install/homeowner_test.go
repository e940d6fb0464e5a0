package install

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
)

// The scan lists root-owned entries of the three trees only, a link
// itself (never walked), and never a tree whose root is a link leaving
// the home; it stops at the first limit entries.
func TestRootOwnedInHome(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs entries owned by root and by another uid")
	}
	root := t.TempDir()
	home := filepath.Join(root, "Users/alice")
	mk := func(p string, dir bool, uid int) {
		t.Helper()
		full := filepath.Join(home, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if dir {
			if err := os.Mkdir(full, 0o755); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(full, uid, 20); err != nil {
			t.Fatal(err)
		}
	}
	mk(".docker", true, 501)
	mk(".docker/config.json", false, 0)
	mk(".docker/mine.json", false, 501)
	mk("Library/Containers/com.docker.docker", true, 0)
	mk("Library/Containers/com.docker.docker/Data", true, 501)
	mk("Library/Containers/com.docker.docker/Data/x", false, 0)
	mk("Library/Group Containers/group.com.docker/settings-store.json", false, 0)
	mk("Library/Preferences/other.plist", false, 0)
	for _, p := range []string{"Users/alice", "Users/alice/Library", "Users/alice/Library/Containers", "Users/alice/Library/Group Containers", "Users/alice/Library/Preferences"} {
		if err := os.Chown(filepath.Join(root, p), 501, 20); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc", filepath.Join(home, ".docker/etc-link")); err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := product.Builtin("docker")
	got, err := RootOwnedInHome(fsys, d, "/Users/alice", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/Users/alice/.docker/config.json",
		"/Users/alice/.docker/etc-link",
		"/Users/alice/Library/Containers/com.docker.docker",
		"/Users/alice/Library/Containers/com.docker.docker/Data/x",
		"/Users/alice/Library/Group Containers/group.com.docker",
		"/Users/alice/Library/Group Containers/group.com.docker/settings-store.json",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RootOwnedInHome =\n%q\nwant\n%q", got, want)
	}
	if got, _ := RootOwnedInHome(fsys, d, "/Users/alice", 2); !reflect.DeepEqual(got, want[:2]) {
		t.Errorf("first 2 = %q", got)
	}

	// ~/.docker a link out of the home: not walked (the /etc it leads to
	// is full of root's files).
	if err := os.Rename(filepath.Join(home, ".docker"), filepath.Join(home, "old-docker")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(home, ".docker")); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(filepath.Join(home, ".docker"), 501, 20); err != nil {
		t.Fatal(err)
	}
	got, err = RootOwnedInHome(fsys, d, "/Users/alice", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want[2:]) {
		t.Errorf("with ~/.docker -> /etc: %q, want %q", got, want[2:])
	}
	// a link inside the home is the link alone: never followed, even
	// where it stays inside the home
	os.Remove(filepath.Join(home, ".docker"))
	if err := os.Symlink("old-docker", filepath.Join(home, ".docker")); err != nil {
		t.Fatal(err)
	}
	got, _ = RootOwnedInHome(fsys, d, "/Users/alice", 0)
	if !reflect.DeepEqual(got, append([]string{"/Users/alice/.docker"}, want[2:]...)) {
		t.Errorf("with ~/.docker -> old-docker: %q, want the link and %q", got, want[2:])
	}
}
