package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeMatchesTree keeps the README honest about the repository: the
// layout list names every package directory and nothing that is gone, the
// counts in the reliability table are the counts in testdata, and no link
// leads outside the repository.
func TestReadmeMatchesTree(t *testing.T) {
	top := filepath.Join("..", "..", "..")
	b, err := os.ReadFile(filepath.Join(top, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if strings.Contains(readme, "../shared") || regexp.MustCompile(`\]\(\.\./`).MatchString(readme) {
		t.Error("README links outside the repository")
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#:]+)\)`).FindAllStringSubmatch(readme, -1) {
		if _, err := os.Stat(filepath.Join(top, m[1])); err != nil {
			t.Errorf("README links to %s, which is not in the repository", m[1])
		}
	}
	layout := regexp.MustCompile("(?s)## Layout\n\n```\n(.*?)```").FindStringSubmatch(readme)
	if layout == nil {
		t.Fatal("README has no Layout block")
	}
	listed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(layout[1]), "\n") {
		p := strings.TrimSuffix(strings.Fields(l)[0], "/")
		listed[p] = true
		if _, err := os.Stat(filepath.Join(top, p)); err != nil {
			t.Errorf("README's layout lists %s, which does not exist", p)
		}
	}
	out, err := exec.Command("git", "-C", top, "ls-files", "*.go").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	for _, f := range strings.Fields(string(out)) {
		d := filepath.Dir(f)
		if d == "." || strings.Contains(d, "testdata") || listed[d] {
			continue
		}
		t.Errorf("README's layout does not list the package %s", d)
		listed[d] = true
	}
	count := func(glob string) int {
		m, _ := filepath.Glob(filepath.Join(top, glob))
		return len(m)
	}
	table, _ := os.ReadFile(filepath.Join(top, "testdata/script/badinput_table.txtar"))
	refusals := len(regexp.MustCompile(`(?m)^refused `).FindAll(table, -1))
	for _, c := range []struct {
		re   string
		want int
	}{
		{"(\\d+) stories \\(`security_\\*\\.txtar`\\)", count("testdata/script/security_*.txtar")},
		{"(\\d+) refusals in `badinput_table\\.txtar`", refusals},
	} {
		m := regexp.MustCompile(c.re).FindStringSubmatch(readme)
		if m == nil {
			t.Errorf("README has no count matching %s", c.re)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n != c.want {
			t.Errorf("README says %s; the tree has %d", m[0], c.want)
		}
	}
}
