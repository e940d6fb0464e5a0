package app

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoPlain runs `make demo`'s script off a terminal (a CI log, a
// pipe): it goes end to end and prints no raw escape sequences.
func TestDemoPlain(t *testing.T) {
	t.Parallel()
	inst, err := exec.LookPath("installer")
	if err != nil {
		t.Skip("the installer command is set up by TestMain")
	}
	if testing.Short() {
		t.Skip("builds cmd/mkroot")
	}
	bin := t.TempDir()
	top, _ := filepath.Abs(filepath.Join("..", "..", ".."))
	build := exec.Command("go", "build", "-o", bin, "./cmd/mkroot")
	build.Dir = top
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for name, target := range map[string]string{"installer": inst, "vmnetd": vmnetdBeside(t)} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", filepath.Join(top, "testdata", "demo.sh"))
	cmd.Env = append(os.Environ(), "BIN="+bin, "NO_COLOR=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "the tree is as it was before install") {
		t.Errorf("the demo did not end with the tree restored:\n%s", stdout.String())
	}
	for name, b := range map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes()} {
		if i := bytes.IndexByte(b, 0x1b); i >= 0 {
			t.Errorf("the demo printed a raw escape on %s off a terminal: %q", name, b[max(0, i-20):min(len(b), i+20)])
		}
	}
}
