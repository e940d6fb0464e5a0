package app

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/macfleet/installer/install"
)

var docsDir = filepath.Join("..", "..", "..", "docs")

// TestReferenceDocs keeps docs/installer.8 and docs/commands.md what the
// command tree generates (UPDATE_GOLDEN=1 rewrites them), and checks the
// man page with man -l and, where installed, mandoc -T lint.
func TestReferenceDocs(t *testing.T) {
	a := NewApp(RealDeps())
	for name, want := range map[string]string{"installer.8": ManPage(a), "commands.md": CommandsMarkdown(a)} {
		p := filepath.Join(docsDir, name)
		if os.Getenv("UPDATE_GOLDEN") == "1" {
			if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("docs/%s is not what the CLI generates; run UPDATE_GOLDEN=1 go test -run TestReferenceDocs ./cmd/installer/app\n%s", name, diffLines(string(got), want))
		}
	}
	man := filepath.Join(docsDir, "installer.8")
	for _, sec := range []string{"NAME", "SYNOPSIS", "COMMANDS", "EXIT STATUS", "FILES", "EXAMPLES", "MANAGED PREFERENCES"} {
		if !strings.Contains(ManPage(a), "\n.SH "+sec+"\n") {
			t.Errorf("the man page has no %s section", sec)
		}
	}
	if _, err := exec.LookPath("man"); err == nil {
		cmd := exec.Command("man", "--warnings", "-E", "UTF-8", "-P", "cat", "-l", man)
		cmd.Env = append(os.Environ(), "MANWIDTH=80", "LANG=C.UTF-8")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("man -l %s: %v\n%s", man, err, stderr.String())
		}
		for _, want := range []string{"EXIT STATUS", "installer help [COMMAND [SUBCOMMAND]]", "--helper-binary HELPER_BINARY"} {
			if !strings.Contains(string(out), want) && !strings.Contains(string(out), strings.ReplaceAll(want, "-", "‐")) {
				t.Errorf("man -l %s: the rendered page has no %q", man, want)
			}
		}
	} else {
		t.Log("man not installed: the rendering check is skipped")
	}
	if _, err := exec.LookPath("mandoc"); err == nil {
		out, _ := exec.Command("mandoc", "-T", "lint", "-W", "warning", man).CombinedOutput()
		if len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("mandoc -T lint %s:\n%s", man, out)
		}
	} else {
		t.Log("mandoc not installed: the lint is skipped")
	}
}

// TestExitCodesDocumented: every exit code of docs/contract.md §10 has its line.
func TestExitCodesDocumented(t *testing.T) {
	seen := map[install.Kind]bool{}
	for _, e := range exitCodes {
		seen[e.kind] = true
	}
	for k := install.KindOK; k <= install.KindNotInstalled; k++ {
		if !seen[k] {
			t.Errorf("exit code %d (%s) is not documented", k.ExitCode(), k)
		}
	}
}
