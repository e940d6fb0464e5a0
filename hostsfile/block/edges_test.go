package block

import (
	"reflect"
	"strings"
	"testing"
)

// The edges of the scanner and of the product-name rule, each case named
// for what would break it: a boundary moved by one, a condition negated.

func TestNewEdges(t *testing.T) {
	// The longest name whose BEGIN line, with a CRLF, fits MaxLine.
	longest := strings.Repeat("p", MaxLine-len(beginHead)-len(markerTail)-len(crlf))
	if _, err := New(longest); err != nil {
		t.Errorf("a name at the limit (%d bytes): %v", len(longest), err)
	}
	if _, err := New(longest + "p"); err == nil {
		t.Error("a name one byte over the limit is accepted")
	}
	// A space is printable: only control characters are refused.
	if _, err := New("my product"); err != nil {
		t.Errorf("a name with a space: %v", err)
	}
	for _, bad := range []string{"a\x1fb", "a\x7f", "\x00"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) accepted a control character", bad)
		}
	}
}

func TestLineAtEmptyLines(t *testing.T) {
	for _, c := range []struct {
		data       string
		ls         int
		text       string
		wantNextAt int
	}{
		{"\nabc", 0, "", 1},
		{"\r\n", 0, "", 2},
		{"a\n\n", 2, "", 3},
		{"x\r\r", 0, "x", 3},
	} {
		text, next := LineAt([]byte(c.data), c.ls)
		if string(text) != c.text || next != c.wantNextAt {
			t.Errorf("LineAt(%q, %d) = %q, %d; want %q, %d", c.data, c.ls, text, next, c.text, c.wantNextAt)
		}
	}
}

func TestFindEdges(t *testing.T) {
	m := MustNew("docker")
	B, E := "# BEGIN docker installer", "# END docker installer"
	for _, c := range []struct {
		name, data string
		want       []Span
	}{
		// Nested pairs are one block, wherever the outer one starts.
		{"nested after other text", "x\n" + B + "\n" + B + "\n" + E + "\n" + E + "\n", []Span{{2, 2 + 4*25 - 2*2}}},
		// A file that is only a block whose END has no break: nothing
		// before BEGIN to take back.
		{"block alone, no final break", B + "\n1.2.3.4 a\n" + E, []Span{{0, len(B) + 11 + len(E)}}},
		// Two blocks, the second ending the file without a break: the
		// break before its BEGIN ends the first block, so it stays.
		{"adjacent blocks", B + "\n" + E + "\n" + B + "\n" + E, []Span{{0, 48}, {48, 95}}},
		// With text between them, the break before BEGIN was ours.
		{"text between", B + "\n" + E + "\nx" + "\n" + B + "\n" + E, []Span{{0, 48}, {49, 97}}},
	} {
		if got := Find([]byte(c.data), m, nil); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Find = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestEOLAndBaseEndEdges(t *testing.T) {
	m := MustNew("docker")
	blk := "# BEGIN docker installer\n# END docker installer\n"
	// The first break outside blocks is a bare LF at the very start.
	data := []byte("\n" + blk + "x\r\n")
	if got := EOL(data, Find(data, m, nil)); got != lf {
		t.Errorf("EOL of a file whose first break is LF at byte 0 = %q", got)
	}
	if got := EOL([]byte("\n"), nil); got != lf {
		t.Errorf("EOL(\"\\n\") = %q", got)
	}
	only := []byte(blk)
	if got := BaseEnd(only, Find(only, m, nil)); got != 0 {
		t.Errorf("BaseEnd of a file that is only our block = %d, want 0", got)
	}
	mid := []byte("a\n" + blk + "b\n")
	if got := BaseEnd(mid, Find(mid, m, nil)); got != len(mid) {
		t.Errorf("BaseEnd with a block in the middle = %d, want %d", got, len(mid))
	}
}
