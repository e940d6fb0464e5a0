package plistsafe

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits bound the objects stored, the tree they describe, and its depth.
type Limits struct{ Objects, Nodes, Depth int }

// limitError reads as what was exceeded and unwraps to the sentinel.
type limitError struct {
	msg  string
	kind error
}

func (e limitError) Error() string { return e.msg }
func (e limitError) Unwrap() error { return e.kind }

// TooDeep is the error for a tree deeper than depth levels.
func TooDeep(depth int) error {
	return limitError{fmt.Sprintf("nests containers deeper than %d levels", depth), ErrTooDeep}
}

func (w *walker) tooDeep() error { return TooDeep(w.l.Depth) }

// CheckBinary walks the object graph of a binary plist without building
// it: it checks every offset and reference is in range and that the tree
// the references describe is acyclic and within l, before the plist
// package expands shared references into copies. Errors wrapping
// ErrTooDeep or ErrTooMany mean the plist is too large; others that it is
// malformed.
func CheckBinary(b []byte, l Limits) error {
	const trailerSize = 32
	if len(b) < 8+1+trailerSize {
		return errors.New("too short")
	}
	tr := b[len(b)-trailerSize:]
	offSize, refSize := int(tr[6]), int(tr[7])
	numObjects := binary.BigEndian.Uint64(tr[8:])
	top := binary.BigEndian.Uint64(tr[16:])
	table := binary.BigEndian.Uint64(tr[24:])
	switch {
	case offSize < 1 || offSize > 8 || refSize < 1 || refSize > 8:
		return errors.New("bad trailer")
	case numObjects == 0:
		return errors.New("holds no objects")
	case numObjects > uint64(l.Objects):
		return limitError{fmt.Sprintf("holds %d objects; the limit is %d", numObjects, l.Objects), ErrTooMany}
	case top >= numObjects:
		return errors.New("top object out of range")
	case table < 8 || table+numObjects*uint64(offSize) > uint64(len(b)-trailerSize):
		return errors.New("offset table out of range")
	}
	w := walker{
		b: b[:table], table: b[table:], offSize: offSize, refSize: refSize,
		n: int(numObjects), l: l,
		state: make([]uint8, numObjects),
		nodes: make([]int, numObjects),
		depth: make([]int, numObjects),
	}
	_, _, err := w.walk(int(top), 1)
	return err
}

// ErrTooDeep and ErrTooMany are the two ways a plist is too large.
var (
	ErrTooDeep = errors.New("nests containers too deep")
	ErrTooMany = errors.New("expands to too many values through shared references")
)

type walker struct {
	b                []byte // the objects, up to the offset table
	table            []byte
	offSize, refSize int
	n                int
	l                Limits
	state            []uint8 // 0 unseen, 1 on the current path, 2 done
	nodes, depth     []int   // per object: size and depth of its expanded tree
}

func uintAt(b []byte, off, size int) (uint64, bool) {
	if off < 0 || size < 1 || size > 8 || off+size > len(b) {
		return 0, false
	}
	var v uint64
	for _, c := range b[off : off+size] {
		v = v<<8 | uint64(c)
	}
	return v, true
}

// walk returns the expanded size and depth of object i's tree, which is
// reached at the given level (the top object is level 1). Recursion stops
// at the depth limit, so a long chain of containers cannot exhaust the
// stack.
func (w *walker) walk(i, level int) (int, int, error) {
	if level > w.l.Depth {
		return 0, 0, w.tooDeep()
	}
	switch w.state[i] {
	case 1:
		return 0, 0, errors.New("a container holds itself")
	case 2:
		if level+w.depth[i]-1 > w.l.Depth {
			return 0, 0, w.tooDeep()
		}
		return w.nodes[i], w.depth[i], nil
	}
	w.state[i] = 1
	off, ok := uintAt(w.table, i*w.offSize, w.offSize)
	if !ok || off < 8 || off >= uint64(len(w.b)) {
		return 0, 0, fmt.Errorf("object %d: offset out of range", i)
	}
	refs, count, err := w.children(int(off))
	if err != nil {
		return 0, 0, fmt.Errorf("object %d: %w", i, err)
	}
	nodes, depth := 1, 1
	for k := 0; k < count; k++ {
		ref, _ := uintAt(w.b, refs+k*w.refSize, w.refSize)
		if ref >= uint64(w.n) {
			return 0, 0, fmt.Errorf("object %d: reference out of range", i)
		}
		cn, cd, err := w.walk(int(ref), level+1)
		if err != nil {
			return 0, 0, err
		}
		nodes, depth = nodes+cn, max(depth, cd+1)
		if nodes > w.l.Nodes {
			return 0, 0, limitError{fmt.Sprintf("expands to more than %d values through shared references", w.l.Nodes), ErrTooMany}
		}
	}
	w.state[i], w.nodes[i], w.depth[i] = 2, nodes, depth
	return nodes, depth, nil
}

// children returns where the references of a container start and how
// many there are; scalars have none.
func (w *walker) children(off int) (refs, count int, err error) {
	marker := w.b[off]
	var perEntry int
	switch marker >> 4 {
	case 0xA, 0xB, 0xC: // array, ordered set, set
		perEntry = 1
	case 0xD: // dictionary: all keys, then all values
		perEntry = 2
	default:
		return 0, 0, nil
	}
	n, start := uint64(marker&0x0F), off+1
	if n == 0x0F {
		// The count is an integer object: 0x1s, then 2^s bytes.
		if start >= len(w.b) || w.b[start]>>4 != 0x1 {
			return 0, 0, errors.New("bad container count")
		}
		size := 1 << (w.b[start] & 0x0F)
		v, ok := uintAt(w.b, start+1, size)
		if !ok {
			return 0, 0, errors.New("bad container count")
		}
		n, start = v, start+1+size
	}
	if n > uint64(len(w.b)) || start+int(n)*perEntry*w.refSize > len(w.b) {
		return 0, 0, errors.New("container runs past the object table")
	}
	return start, int(n) * perEntry, nil
}
