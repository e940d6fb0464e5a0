package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run that fails after home ownership was applied gives the entries
// back to root (atomicity), though uninstall never does.
func TestHomeOwnershipRollback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root-owned entries in a home of another uid")
	}
	root, other := homeRoot(t), homeRoot(t)
	_, _, total := run(t, other, 0, systemInstall...)
	before := listing(t, root)
	// The chowns go through homeown, not the target root: the last
	// operation through it fails, after them.
	code, errOut, _ := run(t, root, total, systemInstall...)
	if code != 1 || !strings.Contains(errOut, "all changes of this run were undone") || !strings.Contains(errOut, "chown /Users/alice/.docker/config.json") {
		t.Fatalf("fault: exit %d: %s", code, errOut)
	}
	if after := listing(t, root); after != before {
		t.Fatalf("rolled back run left changes:\n%s", diffLines(before, after))
	}
	if code, errOut, _ := run(t, root, 0, systemInstall...); code != 0 {
		t.Fatalf("install: exit %d: %s", code, errOut)
	}
	after := listing(t, root)
	for _, want := range []string{
		"Users/alice/.docker/config.json -rw------- 501:20",
		"Users/alice/.docker/hosts Lrwxrwxrwx 501:20 -> /etc/hosts",
		"Users/alice/Library/Containers/com.docker.docker drwxr-xr-x 501:20",
		"Users/alice/Library/Containers/com.docker.docker/Data drwxr-xr-x 501:20",
	} {
		if !strings.Contains(after, want) {
			t.Errorf("after install, no line %q in\n%s", want, after)
		}
	}
	if !strings.Contains(after, "private/etc/hosts -rw-r--r-- 0:0") {
		t.Errorf("the link's target changed owner:\n%s", after)
	}
}

// homeRoot is a sample root whose alice has root-owned entries in
// ~/.docker (a link among them) and in the app container.
func homeRoot(t *testing.T) string {
	t.Helper()
	root := newRoot(t)
	home := filepath.Join(root, "Users/alice")
	for _, d := range []string{".docker", "Library/Containers/com.docker.docker/Data"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, ".docker/config.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/hosts", filepath.Join(home, ".docker/hosts")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".docker", "Library", "Library/Containers"} {
		if err := os.Chown(filepath.Join(home, p), 501, 20); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
