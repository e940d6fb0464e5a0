package app

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestReadmeRecipes keeps each README recipe block identical to the file
// recipes.txtar runs, so what admins paste is what was tested.
func TestReadmeRecipes(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- recipe: ([a-z0-9.-]+) -->\n```bash\n(.*?)```")
	found := re.FindAllSubmatch(readme, -1)
	files, _ := filepath.Glob(filepath.Join(recipesDir, "*.sh"))
	if len(found) == 0 || len(found) != len(files) {
		t.Fatalf("README has %d recipe blocks, testdata/recipes has %d files", len(found), len(files))
	}
	for _, m := range found {
		want, err := os.ReadFile(filepath.Join(recipesDir, string(m[1])))
		if err != nil {
			t.Fatalf("README recipe %s: %v", m[1], err)
		}
		if string(m[2]) != string(want) {
			t.Errorf("README recipe %s differs from testdata/recipes/%s", m[1], m[1])
		}
	}
}
