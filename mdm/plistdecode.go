package mdm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"howett.net/plist"
)

// Limits on a plist read from disk. Managed preferences and profiles are
// written by MDM servers and administrators, but the installer runs as
// root and must not be the process a crafted file stalls or exhausts.
const (
	// MaxPlistSize is the largest managed-preferences file or
	// .mobileconfig accepted. A Reader may stop reading after
	// MaxPlistSize+1 bytes: anything longer is refused unparsed.
	MaxPlistSize = 1 << 20

	// A binary plist shares objects by reference, so a small file can
	// describe an exponentially large tree; the decoder expands it.
	// These bound the objects stored, the tree they describe, and its
	// depth. Real settings files hold a few dozen objects.
	maxBinaryObjects = 1 << 16
	maxTreeNodes     = 1 << 17
	maxDepth         = 64
)

// decodeDict parses a binary or XML property list whose top level is a
// dictionary. Text (OpenStep) plists are refused: macOS never writes
// them for managed preferences, and their lax typing would let a string
// pass for a boolean.
func decodeDict(data []byte) (map[string]any, error) {
	if len(data) > MaxPlistSize {
		return nil, fmt.Errorf("is larger than the %d KiB limit for a property list", MaxPlistSize>>10)
	}
	switch {
	case bytes.HasPrefix(data, []byte("bplist")):
		if err := checkBinaryPlist(data); err != nil {
			return nil, fmt.Errorf("cannot be parsed as a binary property list: %w", err)
		}
	case looksLikeXML(data):
	default:
		return nil, errors.New("is not an XML or binary property list")
	}
	v, format, err := unmarshalAny(data)
	if err != nil {
		return nil, fmt.Errorf("cannot be parsed: %w", err)
	}
	if format != plist.XMLFormat && format != plist.BinaryFormat {
		return nil, errors.New("is not an XML or binary property list")
	}
	if err := checkTree(v, 1); err != nil {
		return nil, err
	}
	dict, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("is not a dictionary: its top level is %s", typeName(v))
	}
	return dict, nil
}

// unmarshalAny turns a panic inside the plist package (it re-panics Go
// runtime errors on some malformed input) into an error, so a bad file
// is exit 2, not a crash of a root process.
func unmarshalAny(data []byte) (v any, format int, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("malformed property list (%v)", r)
		}
	}()
	format, err = plist.Unmarshal(data, &v)
	return v, format, err
}

func looksLikeXML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return bytes.HasPrefix(data, []byte("<"))
}

// checkTree bounds the depth of a decoded XML plist (binary ones were
// bounded before decoding).
func checkTree(v any, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if err := checkTree(e, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, e := range v {
			if err := checkTree(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkBinaryPlist walks the object graph of a binary plist without
// building it: it checks every offset and reference is in range and that
// the tree the references describe is acyclic and small, before the plist
// package expands shared references into copies.
func checkBinaryPlist(b []byte) error {
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
	case numObjects == 0 || numObjects > maxBinaryObjects:
		return fmt.Errorf("holds %d objects; the limit is %d", numObjects, maxBinaryObjects)
	case top >= numObjects:
		return errors.New("top object out of range")
	case table < 8 || table+numObjects*uint64(offSize) > uint64(len(b)-trailerSize):
		return errors.New("offset table out of range")
	}
	w := bplistWalker{
		b: b[:table], table: b[table:], offSize: offSize, refSize: refSize,
		n:     int(numObjects),
		state: make([]uint8, numObjects),
		nodes: make([]int, numObjects),
		depth: make([]int, numObjects),
	}
	_, _, err := w.walk(int(top), 1)
	return err
}

var (
	errTooDeep = fmt.Errorf("nests containers deeper than %d levels", maxDepth)
	errTooMany = fmt.Errorf("expands to more than %d values through shared references", maxTreeNodes)
)

type bplistWalker struct {
	b                []byte // the objects, up to the offset table
	table            []byte
	offSize, refSize int
	n                int
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
// at maxDepth, so a long chain of containers cannot exhaust the stack.
func (w *bplistWalker) walk(i, level int) (int, int, error) {
	if level > maxDepth {
		return 0, 0, errTooDeep
	}
	switch w.state[i] {
	case 1:
		return 0, 0, errors.New("a container holds itself")
	case 2:
		if level+w.depth[i]-1 > maxDepth {
			return 0, 0, errTooDeep
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
		if nodes > maxTreeNodes {
			return 0, 0, errTooMany
		}
	}
	w.state[i], w.nodes[i], w.depth[i] = 2, nodes, depth
	return nodes, depth, nil
}

// children returns where the references of a container start and how
// many there are; scalars have none.
func (w *bplistWalker) children(off int) (refs, count int, err error) {
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

// typeName names a decoded plist value's type the way plist editors do.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, uint64, plist.UID:
		return "integer"
	case float32, float64:
		return "real"
	case time.Time:
		return "date"
	case []byte:
		return "data"
	case []any:
		return "array"
	case map[string]any:
		return "dictionary"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%T", v)
}
