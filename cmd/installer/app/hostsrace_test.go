package app

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostsEditedBetweenPlanAndApply: another program edits /etc/hosts
// after the installer planned its edit and before apply (at the first
// operation boundary). The installer sees the file's stamp changed,
// re-reads it and applies its block to the new content: the other edit is
// kept, and the file is byte for byte what a run on the edited file
// gives. (A second line behind install's TestHostsChangedSincePlan.)
func TestHostsEditedBetweenPlanAndApply(t *testing.T) {
	const meanwhile = "10.9.9.9 added-meanwhile\n"
	hostsOf := func(root string) string { return filepath.Join(root, "private/etc/hosts") }
	edit := func(root string) {
		f, err := os.OpenFile(hostsOf(root), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(meanwhile); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	ref := newRoot(t)
	edit(ref)
	if code, errOut, _ := run(t, ref, 0, systemInstall...); code != 0 {
		t.Fatalf("reference: exit %d: %s", code, errOut)
	}
	want, _ := os.ReadFile(hostsOf(ref))

	root := newRoot(t)
	// Older than install's racy window (100 ms), so the plan trusts the
	// file's stamp and apply decides by the stamp alone.
	time.Sleep(200 * time.Millisecond)
	var stderr bytes.Buffer
	deps := testDeps()
	deps.Stdout, deps.Stderr = io.Discard, &stderr
	deps.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	edited := false
	deps.BeforeOp = func(_ context.Context, i, n int) {
		if i == 0 {
			edit(root)
			edited = true
		}
	}
	argv := append(append([]string{"installer"}, systemInstall...), "--root="+root, "--log-file="+filepath.Join(t.TempDir(), "log"))
	if code := Main(context.Background(), argv, deps); code != 0 || !edited {
		t.Fatalf("exit %d (edited between plan and apply: %v): %s", code, edited, stderr.String())
	}
	got, _ := os.ReadFile(hostsOf(root))
	if !strings.Contains(string(got), meanwhile) || !strings.Contains(string(got), "kubernetes.docker.internal") {
		t.Fatalf("hosts lost the other edit or the installer's block:\n%s", got)
	}
	if string(got) != string(want) {
		t.Fatalf("hosts after an edit between plan and apply:\n%s\nwant, as a run on the edited file gives:\n%s", got, want)
	}
}
