package plistsafe

import (
	"encoding/binary"
	"errors"
	"testing"
)

// bplist builds a binary plist whose objects are arrays referring to the
// given objects (1-byte refs and offsets); an object with no refs is an
// empty array.
func bplist(objs [][]int) []byte {
	b := []byte("bplist00")
	var offs []int
	for _, refs := range objs {
		offs = append(offs, len(b))
		b = append(b, 0xA0|byte(len(refs)))
		for _, r := range refs {
			b = append(b, byte(r))
		}
	}
	table := len(b)
	for _, o := range offs {
		b = append(b, byte(o))
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = 1, 1
	binary.BigEndian.PutUint64(tr[8:], uint64(len(objs)))
	binary.BigEndian.PutUint64(tr[16:], 0)
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(b, tr...)
}

func TestCheckBinary(t *testing.T) {
	l := Limits{Objects: 100, Nodes: 1000, Depth: 10}
	// doubling: object k holds object k+1 twice, so the tree has 2^n nodes.
	doubling := func(n int) [][]int {
		var objs [][]int
		for k := 0; k < n; k++ {
			objs = append(objs, []int{k + 1, k + 1})
		}
		return append(objs, nil)
	}
	chain := func(n int) [][]int {
		var objs [][]int
		for k := 0; k < n; k++ {
			objs = append(objs, []int{k + 1})
		}
		return append(objs, nil)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want error // nil, ErrTooMany, ErrTooDeep, or errMalformed
	}{
		{"small", bplist(doubling(5)), nil},
		{"bomb", bplist(doubling(9)), ErrTooMany},
		{"chain within depth", bplist(chain(9)), nil},
		{"chain too deep", bplist(chain(10)), ErrTooDeep},
		{"too many objects", bplist(chain(100)), ErrTooMany},
		{"cycle", bplist([][]int{{1}, {0}}), errMalformed},
		{"truncated", bplist(doubling(3))[:20], errMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBinary(tc.data, l)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == errMalformed && (err == nil || errors.Is(err, ErrTooMany) || errors.Is(err, ErrTooDeep)):
				t.Fatalf("want a malformed-plist error, got %v", err)
			case tc.want != nil && tc.want != errMalformed && !errors.Is(err, tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

var errMalformed = errors.New("malformed")

// arr is an array object (or, with marker 0xD0, a dictionary) holding refs
// of refSize bytes each; more than 14 entries use the integer count form.
func arr(marker byte, refSize int, refs ...int) []byte {
	var b []byte
	n := len(refs)
	if marker == 0xD0 {
		n /= 2
	}
	if n < 15 {
		b = append(b, marker|byte(n))
	} else {
		b = append(b, marker|0x0F, 0x10, byte(n))
	}
	for _, r := range refs {
		for k := refSize - 1; k >= 0; k-- {
			b = append(b, byte(r>>(8*k)))
		}
	}
	return b
}

// build lays raw objects out after the header, then the offset table
// (offSize bytes each) and the trailer; fix may change the trailer.
func build(objs [][]byte, offSize, refSize int, fix func(tr []byte)) []byte {
	b := []byte("bplist00")
	var offs []int
	for _, o := range objs {
		offs = append(offs, len(b))
		b = append(b, o...)
	}
	table := len(b)
	for _, o := range offs {
		for k := offSize - 1; k >= 0; k-- {
			b = append(b, byte(o>>(8*k)))
		}
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = byte(offSize), byte(refSize)
	binary.BigEndian.PutUint64(tr[8:], uint64(len(objs)))
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	if fix != nil {
		fix(tr)
	}
	return append(b, tr...)
}

func set(at int, v uint64) func([]byte) {
	return func(tr []byte) {
		if at < 8 {
			tr[at] = byte(v)
			return
		}
		binary.BigEndian.PutUint64(tr[at:], v)
	}
}

// kindOf sorts an error as the test table wants it.
func kindOf(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrTooMany):
		return ErrTooMany
	case errors.Is(err, ErrTooDeep):
		return ErrTooDeep
	}
	return errMalformed
}

// TestCheckBinaryEdges walks each limit and each range check at its edge:
// the last accepted value and the first refused one.
func TestCheckBinaryEdges(t *testing.T) {
	one := [][]byte{{0xA0}}
	pair := [][]byte{arr(0xA0, 1, 1), {0xA0}}
	// doubling(n): object k holds k+1 twice: 2^(n+1)-1 values.
	doubling := func(n, refSize int) [][]byte {
		var objs [][]byte
		for k := 0; k < n; k++ {
			objs = append(objs, arr(0xA0, refSize, k+1, k+1))
		}
		return append(objs, []byte{0xA0})
	}
	chain := func(n int) [][]byte {
		var objs [][]byte
		for k := 0; k < n; k++ {
			objs = append(objs, arr(0xA0, 1, k+1))
		}
		return append(objs, []byte{0xA0})
	}
	big := Limits{Objects: 1000, Nodes: 1 << 20, Depth: 100}
	// shared: object 3 is a chain of depth 2 (3 -> 4), reached first at
	// level 2 (from 0) and then, already walked, at level 4 (0 -> 1 -> 2
	// -> 3): the second time it must still fit under the depth limit.
	shared := [][]byte{arr(0xA0, 1, 3, 1), arr(0xA0, 1, 2), arr(0xA0, 1, 3), arr(0xA0, 1, 4), {0xA0}}
	long := make([]int, 40) // a 40-entry array: the integer count form
	for i := range long {
		long[i] = 1
	}
	for _, tc := range []struct {
		name string
		data []byte
		l    Limits
		want error
	}{
		{"minimal", build(one, 1, 1, nil), big, nil},
		{"too short", build(one, 1, 1, nil)[1:], big, errMalformed},
		{"offset size 0", build(one, 1, 1, set(6, 0)), big, errMalformed},
		{"offset size 9", build(one, 1, 1, set(6, 9)), big, errMalformed},
		{"ref size 0", build(pair, 1, 1, set(7, 0)), big, errMalformed},
		{"ref size 9", build(pair, 1, 1, set(7, 9)), big, errMalformed},
		{"offset and ref size 8", build(doubling(3, 8), 8, 8, nil), big, nil},
		{"two-byte offsets and refs", build(doubling(3, 2), 2, 2, nil), big, nil},
		{"no objects", build(one, 1, 1, set(8, 0)), big, errMalformed},
		{"objects at the limit", build(chain(9), 1, 1, nil), Limits{Objects: 10, Nodes: 100, Depth: 100}, nil},
		{"objects over the limit", build(chain(10), 1, 1, nil), Limits{Objects: 10, Nodes: 100, Depth: 100}, ErrTooMany},
		{"top is the last object", build(pair, 1, 1, set(16, 1)), big, nil},
		{"top out of range", build(pair, 1, 1, set(16, 2)), big, errMalformed},
		{"table before the header's end", build(one, 1, 1, set(24, 7)), big, errMalformed},
		{"offset table one byte short", build(doubling(2, 1), 2, 1, func(tr []byte) { set(6, 2)(tr); set(24, binary.BigEndian.Uint64(tr[24:])+1)(tr) }), big, errMalformed},
		{"nodes at the limit", build(doubling(4, 1), 1, 1, nil), Limits{Objects: 100, Nodes: 31, Depth: 100}, nil},
		{"nodes over the limit", build(doubling(4, 1), 1, 1, nil), Limits{Objects: 100, Nodes: 30, Depth: 100}, ErrTooMany},
		{"depth at the limit", build(chain(4), 1, 1, nil), Limits{Objects: 100, Nodes: 100, Depth: 5}, nil},
		{"depth over the limit", build(chain(4), 1, 1, nil), Limits{Objects: 100, Nodes: 100, Depth: 4}, ErrTooDeep},
		{"shared object deeper the second time, fits", build(shared, 1, 1, nil), Limits{Objects: 100, Nodes: 100, Depth: 5}, nil},
		{"shared object deeper the second time, too deep", build(shared, 1, 1, nil), Limits{Objects: 100, Nodes: 100, Depth: 4}, ErrTooDeep},
		{"reference to the last object", build(pair, 1, 1, nil), big, nil},
		{"reference out of range", build([][]byte{arr(0xA0, 1, 2), {0xA0}}, 1, 1, nil), big, errMalformed},
		{"dictionary", build([][]byte{arr(0xD0, 1, 1, 2, 1, 2), {0x51, 'k'}, {0xA0}}, 1, 1, nil), Limits{Objects: 10, Nodes: 5, Depth: 2}, nil},
		{"dictionary counts keys and values", build([][]byte{arr(0xD0, 1, 1, 2, 1, 2), {0x51, 'k'}, {0xA0}}, 1, 1, nil), Limits{Objects: 10, Nodes: 4, Depth: 2}, ErrTooMany},
		{"set", build([][]byte{arr(0xC0, 1, 1), {0x09}}, 1, 1, nil), Limits{Objects: 10, Nodes: 2, Depth: 2}, nil},
		{"ordered set", build([][]byte{arr(0xB0, 1, 1), {0x09}}, 1, 1, nil), Limits{Objects: 10, Nodes: 1, Depth: 2}, ErrTooMany},
		{"long array", build([][]byte{arr(0xA0, 1, long...), {0xA0}}, 1, 1, nil), Limits{Objects: 10, Nodes: 41, Depth: 2}, nil},
		{"long array over the node limit", build([][]byte{arr(0xA0, 1, long...), {0xA0}}, 1, 1, nil), Limits{Objects: 10, Nodes: 40, Depth: 2}, ErrTooMany},
		{"bad count marker", build([][]byte{{0xAF, 0x20, 0x01, 0x01}, {0xA0}}, 1, 1, nil), big, errMalformed},
		{"count runs out", build([][]byte{{0xAF, 0x13}}, 1, 1, nil), big, errMalformed},
		{"count form at the end", build([][]byte{{0xAF}}, 1, 1, nil), big, errMalformed},
		{"two-byte count", build([][]byte{{0xAF, 0x11, 0x00, 0x02, 0x01, 0x01}, {0xA0}}, 1, 1, nil), Limits{Objects: 10, Nodes: 3, Depth: 2}, nil},
		{"refs run past the objects", build([][]byte{{0xA3, 0x01, 0x01}, {0xA0}}, 1, 1, nil), big, errMalformed},
		{"huge count", build([][]byte{{0xAF, 0x13, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, {0xA0}}, 1, 1, nil), big, errMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := kindOf(CheckBinary(tc.data, tc.l)); got != tc.want {
				t.Errorf("CheckBinary = %v (%v), want %v", got, CheckBinary(tc.data, tc.l), tc.want)
			}
		})
	}
}

// TestObjectOffsets: an object's offset must lie between the header and
// the offset table.
func TestObjectOffsets(t *testing.T) {
	l := Limits{Objects: 10, Nodes: 10, Depth: 10}
	// Object 1 (the top) refers to object 0; object 2, an empty array,
	// is the last byte before the table.
	ok := build([][]byte{{0xA0}, arr(0xA0, 1, 0), {0xA0}}, 1, 1, set(16, 1))
	table := int(binary.BigEndian.Uint64(ok[len(ok)-8:]))
	for off, want := range map[byte]error{7: errMalformed, 8: nil, byte(table - 1): nil, byte(table): errMalformed} {
		b := append([]byte(nil), ok...)
		b[table] = off // object 0's offset
		if got := kindOf(CheckBinary(b, l)); got != want {
			t.Errorf("object at offset %d: %v, want %v", off, CheckBinary(b, l), want)
		}
	}
}

// TestTooDeepNamesTheLimit: the error says the limit and unwraps to
// ErrTooDeep, for callers outside the package as well.
func TestTooDeepNamesTheLimit(t *testing.T) {
	err := TooDeep(7)
	if !errors.Is(err, ErrTooDeep) || err.Error() != "nests containers deeper than 7 levels" {
		t.Errorf("TooDeep(7) = %q", err)
	}
	err = CheckBinary(build([][]byte{arr(0xA0, 1, 1), arr(0xA0, 1, 2), {0xA0}}, 1, 1, nil), Limits{Objects: 10, Nodes: 10, Depth: 2})
	if !errors.Is(err, ErrTooDeep) || err.Error() != "nests containers deeper than 2 levels" {
		t.Errorf("depth 3 under a limit of 2: %v", err)
	}
	err = CheckBinary(build([][]byte{arr(0xA0, 1, 1, 1, 1), {0xA0}}, 1, 1, nil), Limits{Objects: 10, Nodes: 3, Depth: 5})
	if !errors.Is(err, ErrTooMany) || err.Error() != "expands to more than 3 values through shared references" {
		t.Errorf("4 values under a limit of 3: %v", err)
	}
	err = CheckBinary(build([][]byte{arr(0xA0, 1, 0)}, 1, 1, nil), Limits{Objects: 10, Nodes: 10, Depth: 5})
	if err == nil || err.Error() != "a container holds itself" {
		t.Errorf("self-reference: %v", err)
	}
}

// TestOffsetTableInRange: the offset table must end where the trailer
// starts. Each file below has a table that runs into the trailer, with
// trailer bytes that would read as valid offsets, so only the range check
// refuses it.
func TestOffsetTableInRange(t *testing.T) {
	l := Limits{Objects: 10, Nodes: 10, Depth: 10}
	trailer := func(offSize, n, table int, lead ...byte) []byte {
		tr := make([]byte, 32)
		copy(tr, lead) // the unused first bytes of the trailer
		tr[6], tr[7] = byte(offSize), 1
		binary.BigEndian.PutUint64(tr[8:], uint64(n))
		binary.BigEndian.PutUint64(tr[24:], uint64(table))
		return tr
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		// One 1-byte offset at 10, where the trailer starts: it would
		// read the trailer's first byte, 8, the empty array at 8.
		{"one offset past the table", append([]byte("bplist00\xa0\x00"), trailer(1, 1, 10, 8)...)},
		// Two 2-byte offsets at 9: one byte of table, then 0x08 from the
		// trailer, then 0x00 0x08.
		{"two wide offsets past the table", append([]byte("bplist00\xa0\x00"), trailer(2, 2, 9, 8, 0, 8)...)},
	} {
		err := CheckBinary(tc.data, l)
		if err == nil || err.Error() != "offset table out of range" {
			t.Errorf("%s: %v, want the offset table out of range", tc.name, err)
		}
	}
}

// TestReferencesReadInPlace: references are read where they are, at
// their width, up to the last byte before the offset table; a container
// whose references run past the objects is refused, whatever the width
// or the kind of container.
func TestReferencesReadInPlace(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		l    Limits
		want error
	}{
		// 0 -> 2 -> 1, object 2 last before the table: its last reference
		// (1) ends at the table; read as anything else (0) it is a cycle.
		{"last reference before the table", build([][]byte{arr(0xA0, 1, 2), {0xA0}, arr(0xA0, 1, 1)}, 1, 1, nil), Limits{Objects: 10, Nodes: 10, Depth: 10}, nil},
		// Two-byte references 1 and 2: four values; reading the first
		// twice would count three.
		{"second wide reference", build([][]byte{arr(0xA0, 2, 1, 2), {0xA0}, arr(0xA0, 2, 1)}, 1, 2, nil), Limits{Objects: 10, Nodes: 3, Depth: 10}, ErrTooMany},
		{"second wide reference, within", build([][]byte{arr(0xA0, 2, 1, 2), {0xA0}, arr(0xA0, 2, 1)}, 1, 2, nil), Limits{Objects: 10, Nodes: 4, Depth: 10}, nil},
		// The top (object 1) claims more references than there are bytes
		// before the table; any reference read past them would be 0, an
		// empty array, and accepted.
		{"array runs past", build([][]byte{{0xA0}, {0xA3, 0x00, 0x00}}, 1, 1, set(16, 1)), Limits{Objects: 10, Nodes: 10, Depth: 10}, errMalformed},
		{"dictionary runs past", build([][]byte{{0xA0}, {0xD2, 0x00, 0x00}}, 1, 1, set(16, 1)), Limits{Objects: 10, Nodes: 10, Depth: 10}, errMalformed},
		{"wide array runs past", build([][]byte{{0xA0}, {0xA2, 0x00, 0x00}}, 1, 2, set(16, 1)), Limits{Objects: 10, Nodes: 10, Depth: 10}, errMalformed},
		{"exactly fits", build([][]byte{{0xA0}, {0xA2, 0x00, 0x00}}, 1, 1, set(16, 1)), Limits{Objects: 10, Nodes: 10, Depth: 10}, nil},
	} {
		if got := kindOf(CheckBinary(tc.data, tc.l)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, CheckBinary(tc.data, tc.l), tc.want)
		}
	}
	// Shorter than a header, one object, its offset and a trailer.
	for n := 0; n <= 8+trailerLen; n++ {
		if err := CheckBinary(make([]byte, n), Limits{Objects: 1, Nodes: 1, Depth: 1}); err == nil || err.Error() != "too short" {
			t.Errorf("%d bytes: %v, want too short", n, err)
		}
	}
}

const trailerLen = 32
