package hostsfile

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// TestLongestNameAccepted: a name whose line "<ip> <name>\r\n" is exactly
// maxLine bytes is written; one byte more is refused (TestInvalidArgumentsPanic).
func TestLongestNameAccepted(t *testing.T) {
	name := strings.Repeat("a", maxLine-len("127.0.0.1 \r\n"))
	out, changed := Ensure(nil, "docker", []Entry{{IP: loopback, Name: name}})
	if !changed || !strings.Contains(string(out), "127.0.0.1 "+name+"\n") {
		t.Fatalf("the longest name (%d bytes) was not written: %q…", len(name), out[:min(len(out), 80)])
	}
}

// TestFoldsZ: the ends of the ASCII alphabet fold too: a foreign "ZZ" line
// conflicts with a wanted "zz", and a foreign "zz" with a wanted "ZZ".
func TestFoldsZ(t *testing.T) {
	for _, c := range []struct{ file, name string }{{"ZZ", "zz"}, {"zz", "ZZ"}, {"Za.Az", "zA.aZ"}} {
		old := "10.0.0.1 " + c.file + "\n"
		out, _ := Ensure([]byte(old), "docker", []Entry{{IP: loopback, Name: c.name}})
		want := disabled + old + ourBlock("127.0.0.1 "+c.name)
		if string(out) != want {
			t.Errorf("file %q, wanted %q: got %q, want %q", c.file, c.name, out, want)
		}
	}
}

// TestPartsOfManyBlocks: the pieces of a removal of three blocks, the
// content with no block in between, are the bytes Bytes gives, and none is
// empty (a writer gets no empty write).
func TestPartsOfManyBlocks(t *testing.T) {
	old := "a\n" + ourBlock(lhLine) + "b\n" + ourBlock(kubeLine) + ourBlock(lhLine) + "c\n"
	e := PlanRemove([]byte(old), "docker")
	if e.Before.Blocks != 3 {
		t.Fatalf("Before.Blocks = %d, want 3", e.Before.Blocks)
	}
	parts := e.Parts()
	var got []byte
	for i, p := range parts {
		if len(p) == 0 {
			t.Errorf("piece %d of %d is empty", i, len(parts))
		}
		got = append(got, p...)
	}
	if string(got) != "a\nb\nc\n" || string(e.Bytes()) != "a\nb\nc\n" || e.Len() != len("a\nb\nc\n") {
		t.Fatalf("Parts %q, Bytes %q, Len %d; want %q", got, e.Bytes(), e.Len(), "a\nb\nc\n")
	}
}

// TestPartsNoEmptyPiece: edits next to each other and to the block's
// removal leave no empty piece between them.
func TestPartsNoEmptyPiece(t *testing.T) {
	old := "10.0.0.1 localhost\n" + disabled + "10.0.0.2 kubernetes.docker.internal\n" + ourBlock(lhLine)
	for _, e := range []Edit{Plan([]byte(old), "docker", onlyLocal), PlanRemove([]byte(old), "docker")} {
		for i, p := range e.Parts() {
			if len(p) == 0 {
				t.Errorf("piece %d of %q is empty", i, e.Parts())
			}
		}
	}
}

// scanBoth runs one scan and passParts with every number of parts from 2
// to 12 over data and fails on any difference.
func scanBoth(t *testing.T, data string, want []Entry, comments bool) {
	t.Helper()
	m := newMarks("docker")
	b := []byte(data)
	spans, _ := findBlocks(b, m)
	one := newWanted(want)
	one.chooseAnchors(b)
	var d1 int
	e1 := one.passRange(b, 0, m, spans, comments, nil, &d1)
	for parts := 2; parts <= 12; parts++ {
		w := newWanted(want)
		w.chooseAnchors(b)
		var d2 int
		e2 := passParts(w, parts, b, m, spans, comments, nil, &d2)
		if !reflect.DeepEqual(e1, e2) || d1 != d2 || !reflect.DeepEqual(one.sat, w.sat) {
			t.Fatalf("%d bytes, %d parts: %d edits, disabled %d, sat %v; one scan: %d edits, %d, %v",
				len(b), parts, len(e2), d2, w.sat, len(e1), d1, one.sat)
		}
	}
}

// TestPartsEveryLineMatters: when every line conflicts, a cut one byte
// off a line start loses a conflict.
func TestPartsEveryLineMatters(t *testing.T) {
	data := strings.Repeat("10.0.0.1 localhost\n", 500)
	scanBoth(t, data, onlyLocal, false)
	scanBoth(t, strings.ReplaceAll(data, "\n", "\r\n"), onlyLocal, false)
}

// TestPartsLastLineOpen: a last line with no break, so long that the
// cuts fall inside it, is scanned whole: its conflict is at its end.
func TestPartsLastLineOpen(t *testing.T) {
	scanBoth(t, "10.0.0.1 "+strings.Repeat("x ", 500)+"localhost", onlyLocal, false)
	scanBoth(t, "#c\n10.0.0.1 "+strings.Repeat("x ", 500)+"localhost", onlyLocal, true)
}

// TestPartsShortTail: the last part reaches the end of the file, however
// short the last line: "::1 a" provides the entry {::1, a}.
func TestPartsShortTail(t *testing.T) {
	v6 := []Entry{{IP: netip.MustParseAddr("::1"), Name: "a"}}
	for n := range 40 {
		scanBoth(t, strings.Repeat("x", n)+"\n::1 a", v6, false)
		scanBoth(t, strings.Repeat("x", n)+"\n::1 a\n", v6, false)
	}
}
