package app

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// TestNoopRerunTouchesNothing: for each way to install (and for
// uninstall), a second identical run a day later changes no file, link or
// directory: same content, inode, mtime and ctime everywhere, the profile
// included (a second line behind the install_noop_clock story).
func TestNoopRerunTouchesNothing(t *testing.T) {
	for _, args := range [][]string{
		fullInstall,
		systemInstall,
		{"install", "--user=alice", "--cli-location=user", "--path-edit=paths.d", "--no-docker-socket"},
		{"uninstall"},
	} {
		root := newRoot(t)
		if code, errOut, _ := run(t, root, 0, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		before, err := treeListing(root, true)
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		deps := testDeps()
		deps.Stdout, deps.Stderr = io.Discard, &stderr
		deps.Now = func() time.Time { return time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC) }
		argv := append(append([]string{"installer"}, args...), "--root="+root, "--log-file="+filepath.Join(t.TempDir(), "log"))
		if code := Main(context.Background(), argv, deps); code != 0 {
			t.Fatalf("%v again: exit %d: %s", args, code, stderr.String())
		}
		after, err := treeListing(root, true)
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("%v run again a day later changed the root:\n%s", args, diffLines(before, after))
		}
	}
}
