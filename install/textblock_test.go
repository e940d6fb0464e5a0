package install

import (
	"strings"
	"testing"
)

func TestTextBlock(t *testing.T) {
	body := []string{`export PATH="$HOME/.docker/bin:$PATH"`}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "# BEGIN docker installer\nexport PATH=\"$HOME/.docker/bin:$PATH\"\n# END docker installer\n"},
		{"newline", "alias ll='ls -l'\n", "alias ll='ls -l'\n# BEGIN docker installer\nexport PATH=\"$HOME/.docker/bin:$PATH\"\n# END docker installer\n"},
		{"no final newline", "x=1", "x=1\n# BEGIN docker installer\nexport PATH=\"$HOME/.docker/bin:$PATH\"\n# END docker installer"},
		{"crlf", "x=1\r\n", "x=1\r\n# BEGIN docker installer\r\nexport PATH=\"$HOME/.docker/bin:$PATH\"\r\n# END docker installer\r\n"},
		{"moved to end", "# BEGIN docker installer\nold\n# END docker installer\ny=2\n", "y=2\n# BEGIN docker installer\nexport PATH=\"$HOME/.docker/bin:$PATH\"\n# END docker installer\n"},
	} {
		got := string(ensureBlock([]byte(tc.in), "docker", body))
		if got != tc.want {
			t.Errorf("%s: ensure\n got %q\nwant %q", tc.name, got, tc.want)
		}
		if again := string(ensureBlock([]byte(got), "docker", body)); again != got {
			t.Errorf("%s: not idempotent: %q", tc.name, again)
		}
		if back := string(removeBlock([]byte(got), "docker")); !strings.Contains(tc.name, "moved") && back != tc.in {
			t.Errorf("%s: remove gave %q, want %q", tc.name, back, tc.in)
		}
	}
}

func FuzzTextBlock(f *testing.F) {
	for _, s := range []string{"", "a", "a\n", "a\r", "a\r\n", "# BEGIN docker installer\n", "# END docker installer", "x\n# BEGIN docker installer\ny\n# END docker installer"} {
		f.Add(s)
	}
	body := []string{"line"}
	f.Fuzz(func(t *testing.T, in string) {
		e := ensureBlock([]byte(in), "docker", body)
		if got, want := string(removeBlock(e, "docker")), string(removeBlock([]byte(in), "docker")); got != want {
			t.Fatalf("remove(ensure(x)) = %q, remove(x) = %q", got, want)
		}
		if again := ensureBlock(e, "docker", body); string(again) != string(e) {
			t.Fatalf("ensure not idempotent: %q -> %q", e, again)
		}
	})
}
