package users

import "encoding/binary"

// Bounds on a dslocal record. A real one (thirty-odd keys of one-element
// arrays, a nested plist or two) has a few hundred values, nested four deep.
const (
	maxPlistNodes = 100_000
	maxPlistDepth = 100
)

// bplistTooLarge reports whether a binary plist expands to more than
// maxPlistNodes values or nests deeper than maxPlistDepth (the parser
// recurses, and a goroutine that outgrows its stack cannot be recovered). A binary plist may refer to one object from many
// places, and howett.net/plist copies the object at every reference, so a
// chain of arrays each holding the next one twice takes a 200-byte record
// to 2^40 values: the installer would hang and run out of memory on it.
// The count here is memoized per object, so it takes time linear in the
// file. Any structure it does not follow is left for the real parser to
// reject: only a proven excess returns true.
func bplistTooLarge(data []byte) bool {
	const trailerLen = 32
	if len(data) < 8+trailerLen || string(data[:8]) != "bplist00" {
		return false
	}
	tr := data[len(data)-trailerLen:]
	offSize, refSize := int(tr[6]), int(tr[7])
	numObjects := binary.BigEndian.Uint64(tr[8:])
	top := binary.BigEndian.Uint64(tr[16:])
	table := binary.BigEndian.Uint64(tr[24:])
	if offSize < 1 || offSize > 8 || refSize < 1 || refSize > 8 ||
		numObjects == 0 || numObjects > uint64(len(data)) || top >= numObjects ||
		table > uint64(len(data)) || uint64(len(data))-table < numObjects*uint64(offSize) {
		return false
	}
	// Sizes and heights are memoized per object, so the walk is linear
	// in the file and its own recursion stays within maxPlistDepth.
	type node struct {
		state        int8 // 0 unseen, 1 on the current path, 2 done
		size, height uint64
	}
	nodes := make([]node, numObjects)
	exceeded := false
	var walk func(i uint64, depth int) (size, height uint64)
	walk = func(i uint64, depth int) (uint64, uint64) {
		nd := &nodes[i]
		switch {
		case nd.state == 1: // a cycle: the parser refuses those itself
			return 1, 1
		case nd.state == 2:
			return nd.size, nd.height
		case depth > maxPlistDepth:
			exceeded = true
			return 1, 1
		}
		nd.state = 1
		size, height := uint64(1), uint64(1)
		for _, child := range children(data, table+i*uint64(offSize), offSize, refSize) {
			if child >= numObjects || exceeded {
				break
			}
			s, h := walk(child, depth+1)
			size += s
			height = max(height, h+1)
			if size > maxPlistNodes || height > maxPlistDepth {
				exceeded = true
			}
		}
		nodes[i] = node{state: 2, size: size, height: height}
		return size, height
	}
	walk(top, 0)
	return exceeded
}

// children returns the object references of the container whose offset
// is stored at data[entry:], or nil when it is not a container or does not
// fit in data.
func children(data []byte, entry uint64, offSize, refSize int) []uint64 {
	if entry+uint64(offSize) > uint64(len(data)) {
		return nil
	}
	off := be(data[entry : entry+uint64(offSize)])
	if off >= uint64(len(data)) {
		return nil
	}
	marker := data[off]
	kind, n := marker>>4, uint64(marker&0x0f)
	if kind != 0xa && kind != 0xc && kind != 0xd { // array, set, dict
		return nil
	}
	pos := off + 1
	if n == 0x0f { // count follows as an integer object
		if pos >= uint64(len(data)) || data[pos]>>4 != 0x1 {
			return nil
		}
		size := uint64(1) << (data[pos] & 0x0f)
		if size > 8 || pos+1+size > uint64(len(data)) {
			return nil
		}
		n = be(data[pos+1 : pos+1+size])
		pos += 1 + size
	}
	if n > uint64(len(data)) {
		return nil
	}
	if kind == 0xd {
		n *= 2 // keys, then values
	}
	if pos+n*uint64(refSize) > uint64(len(data)) {
		return nil
	}
	refs := make([]uint64, n)
	for k := range refs {
		p := pos + uint64(k*refSize)
		refs[k] = be(data[p : p+uint64(refSize)])
	}
	return refs
}

// be decodes a big-endian unsigned integer of up to 8 bytes.
func be(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}
