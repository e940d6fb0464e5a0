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
