package users

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"howett.net/plist"
)

// rawBplist writes a binary plist by hand, which plist.Marshal cannot do
// for these shapes: object i is an array of the objects refs[i] names, or
// the string "x" when refs[i] is nil. Object 0 is the top.
func rawBplist(refs [][]int) []byte {
	buf := []byte("bplist00")
	var offs []int
	for _, r := range refs {
		offs = append(offs, len(buf))
		if r == nil {
			buf = append(buf, 0x51, 'x')
			continue
		}
		if len(r) < 15 {
			buf = append(buf, 0xa0|byte(len(r)))
		} else {
			buf = append(buf, 0xaf, 0x11)
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(r)))
		}
		for _, c := range r {
			buf = binary.BigEndian.AppendUint16(buf, uint16(c))
		}
	}
	table := len(buf)
	for _, o := range offs {
		buf = binary.BigEndian.AppendUint32(buf, uint32(o))
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = 4, 2
	binary.BigEndian.PutUint64(tr[8:], uint64(len(refs)))
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(buf, tr...)
}

func TestBplistTooLarge(t *testing.T) {
	// doubling: object i holds object i+1 twice; n objects expand to 2^n.
	doubling := func(n int) [][]int {
		refs := make([][]int, n+1)
		for i := 0; i < n; i++ {
			refs[i] = []int{i + 1, i + 1}
		}
		return refs
	}
	// chain: object i holds object i+1; depth n.
	chain := func(n int) [][]int {
		refs := make([][]int, n+1)
		for i := 0; i < n; i++ {
			refs[i] = []int{i + 1}
		}
		return refs
	}
	// ladder: a deep chain whose lower rungs the top visits first, so
	// that a walk memoizing only sizes would see each rung as shallow.
	ladder := func(n, step int) [][]int {
		refs := [][]int{nil} // the top, filled in below
		for k := 1; k <= n; k++ {
			refs = append(refs, []int{k + 1})
		}
		refs = append(refs, nil)
		for k := n + 1 - step; k > 1; k -= step {
			refs[0] = append(refs[0], k)
		}
		refs[0] = append(refs[0], 1)
		return refs
	}
	real, err := plist.Marshal(record("alice", "501", "20", "/Users/alice"), plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"real record", real, false},
		{"small sharing", rawBplist(doubling(10)), false},
		{"doubling 40", rawBplist(doubling(40)), true},
		{"doubling 17", rawBplist(doubling(17)), true},
		{"chain within depth", rawBplist(chain(maxPlistDepth - 1)), false},
		{"chain too deep", rawBplist(chain(5000)), true},
		{"ladder too deep", rawBplist(ladder(1000, 50)), true},
		{"cycle left to the parser", rawBplist([][]int{{1}, {0}}), false},
		{"xml", []byte("<plist><array/></plist>"), false},
		{"truncated", real[:len(real)-1], false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bplistTooLarge(tt.data); got != tt.want {
				t.Errorf("bplistTooLarge = %v, want %v", got, tt.want)
			}
		})
	}
}

// Without the guard this record would take the parser hours and all the
// memory there is.
func TestOfflineRefusesPlistBomb(t *testing.T) {
	refs := make([][]int, 41)
	for i := 0; i < 40; i++ {
		refs[i] = []int{i + 1, i + 1}
	}
	root := fakeRoot{files: map[string][]byte{dslocalPath("alice"): rawBplist(refs)}}
	start := time.Now()
	_, _, err := Offline(root, "alice")
	if err == nil || !strings.Contains(err.Error(), "alice.plist: record holds more than 100000 values") {
		t.Errorf("Offline = %v, want the record refused", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Offline took %v", d)
	}
}
