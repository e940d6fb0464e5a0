package block

import (
	"bytes"
	"strings"
	"testing"
)

func TestEnsureRemove(t *testing.T) {
	m := MustNew("docker")
	body := []string{`export PATH="$HOME/.docker/bin:$PATH"`}
	blk := func(eol string) string {
		return "# BEGIN docker installer" + eol + body[0] + eol + "# END docker installer"
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", blk("\n") + "\n"},
		{"newline", "a\n", "a\n" + blk("\n") + "\n"},
		{"no final newline", "x=1", "x=1\n" + blk("\n")},
		{"crlf", "x=1\r\n", "x=1\r\n" + blk("\r\n") + "\r\n"},
		{"crlf, no final newline", "x=1\r\ny=2", "x=1\r\ny=2\r\n" + blk("\r\n")},
		{"moved to end", blk("\n") + "\ny=2\n", "y=2\n" + blk("\n") + "\n"},
		{"nested pairs are one block", "# BEGIN docker installer\n" + blk("\n") + "\n# END docker installer\nz\n", "z\n" + blk("\n") + "\n"},
	} {
		got, changed := Ensure([]byte(tc.in), m, body)
		if string(got) != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("%s: Ensure = %q, %v\nwant %q", tc.name, got, changed, tc.want)
		}
		if again, changed := Ensure(got, m, body); changed || !bytes.Equal(again, got) {
			t.Errorf("%s: not idempotent: %q", tc.name, again)
		}
		back := Remove(got, Find(got, m, nil))
		if !strings.Contains(tc.in, "installer") && string(back) != tc.in {
			t.Errorf("%s: Remove gave %q, want %q", tc.name, back, tc.in)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	for _, p := range []string{"", "a\nb", "a\rb", strings.Repeat("x", MaxLine)} {
		if _, err := New(p); err == nil {
			t.Errorf("New(%q) accepted", p)
		}
	}
}

// FuzzEnsure: removing after ensuring gives what removing gives, ensuring
// twice changes nothing, and a file without markers comes back exactly.
func FuzzEnsure(f *testing.F) {
	for _, s := range []string{"", "a", "a\n", "a\r", "a\r\n", "# BEGIN docker installer\n", "# END docker installer",
		"x\n# BEGIN docker installer\ny\n# END docker installer", "# BEGIN docker installer\r\n# BEGIN docker installer\n# END docker installer\r"} {
		f.Add(s)
	}
	m := MustNew("docker")
	f.Fuzz(func(t *testing.T, in string) {
		e, _ := Ensure([]byte(in), m, []string{"line"})
		rm := func(b []byte) string { return string(Remove(b, Find(b, m, nil))) }
		if got, want := rm(e), rm([]byte(in)); got != want {
			t.Fatalf("remove(ensure(x)) = %q, remove(x) = %q", got, want)
		}
		if again, changed := Ensure(e, m, []string{"line"}); changed || !bytes.Equal(again, e) {
			t.Fatalf("ensure not idempotent: %q -> %q", e, again)
		}
		if !strings.Contains(in, " installer") && rm(e) != in {
			t.Fatalf("remove(ensure(%q)) = %q", in, rm(e))
		}
	})
}
