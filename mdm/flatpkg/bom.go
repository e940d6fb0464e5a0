package flatpkg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path"
	"sort"
)

// A Bom ("bill of materials", Apple's BOMStore) lists every payload entry
// with its mode, owner, size and a POSIX cksum CRC; Installer records it
// as the receipt (`pkgutil --files`, `lsbom`). The layout is the one
// bomutils' mkbom writes: a 512-byte header, the named variables (BomInfo,
// Paths, HLIndex, VIndex, Size64), the blocks, then the block table and an
// empty free list. All integers are big-endian.

const (
	bomHeaderSize = 512
	bomLeafMax    = 256 // paths per tree leaf
	bomTypeFile   = 1
	bomTypeDir    = 2
)

type bomStore struct {
	blocks [][]byte // blocks[0] is the null block
	vars   []bomVar
}

type bomVar struct {
	name  string
	index uint32
}

func (s *bomStore) add(b []byte) uint32 {
	s.blocks = append(s.blocks, b)
	return uint32(len(s.blocks) - 1)
}

func (s *bomStore) addVar(name string, b []byte) {
	s.vars = append(s.vars, bomVar{name, s.add(b)})
}

func be(fields ...any) []byte {
	var b bytes.Buffer
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			b.WriteString(v)
		default:
			_ = binary.Write(&b, binary.BigEndian, v)
		}
	}
	return b.Bytes()
}

func (s *bomStore) bytes() []byte {
	var vars bytes.Buffer
	_ = binary.Write(&vars, binary.BigEndian, uint32(len(s.vars)))
	for _, v := range s.vars {
		vars.Write(be(v.index, uint8(len(v.name)), v.name))
	}
	var data bytes.Buffer
	addr := make([]uint32, len(s.blocks))
	base := uint32(bomHeaderSize + vars.Len())
	for i, b := range s.blocks[1:] {
		addr[i+1] = base + uint32(data.Len())
		data.Write(b)
	}
	var index bytes.Buffer
	_ = binary.Write(&index, binary.BigEndian, uint32(len(s.blocks)))
	for i, b := range s.blocks {
		if i == 0 {
			index.Write(be(uint32(0), uint32(0)))
			continue
		}
		index.Write(be(addr[i], uint32(len(b))))
	}
	// The free list: none, plus the two empty pointers mkbom writes.
	index.Write(be(uint32(0), uint64(0), uint64(0)))

	hdr := make([]byte, bomHeaderSize)
	copy(hdr, be("BOMStore", uint32(1), uint32(len(s.blocks)-1),
		uint32(bomHeaderSize+vars.Len()+data.Len()), uint32(index.Len()),
		uint32(bomHeaderSize), uint32(vars.Len())))
	var out bytes.Buffer
	out.Write(hdr)
	out.Write(vars.Bytes())
	out.Write(data.Bytes())
	out.Write(index.Bytes())
	return out.Bytes()
}

// bom builds the Bom of the entries (which include "."), each recorded
// with mtime.
func bom(entries []Entry, mtime int64) ([]byte, error) {
	if len(entries) > bomLeafMax {
		return nil, fmt.Errorf("bom: %d entries; at most %d are supported", len(entries), bomLeafMax)
	}
	if mtime < 0 || mtime > 1<<32-1 {
		return nil, fmt.Errorf("bom: time %d does not fit 32 bits", mtime)
	}
	// Breadth first, children by name, as mkbom numbers them: "." is 1,
	// its parent 0.
	children := map[string][]Entry{}
	for _, e := range entries {
		if e.Path == "." {
			continue
		}
		children[path.Dir(e.Path)] = append(children[path.Dir(e.Path)], e)
	}
	for _, c := range children {
		sort.Slice(c, func(i, j int) bool { return path.Base(c[i].Path) < path.Base(c[j].Path) })
	}
	type queued struct {
		e      Entry
		parent uint32
	}
	var order []queued
	for _, e := range entries {
		if e.Path == "." {
			order = append(order, queued{e, 0})
		}
	}
	if len(order) != 1 {
		return nil, fmt.Errorf("bom: the payload needs exactly one \".\" entry")
	}
	for i := 0; i < len(order); i++ {
		for _, c := range children[order[i].e.Path] {
			order = append(order, queued{c, uint32(i + 1)})
		}
	}
	if len(order) != len(entries) {
		return nil, fmt.Errorf("bom: %d entries are not under \".\"", len(entries)-len(order))
	}

	s := &bomStore{blocks: [][]byte{nil}}
	num := uint32(len(entries))
	info := be(uint32(1), num+1, uint32(1), [4]uint32{})
	s.addVar("BomInfo", info)

	var leaf bytes.Buffer
	leaf.Write(be(uint16(1), uint16(len(order)), uint32(0), uint32(0)))
	for i, q := range order {
		mode, err := cpioMode(q.e)
		if err != nil {
			return nil, err
		}
		typ, size, sum := uint8(bomTypeDir), uint32(0), uint32(0)
		if !q.e.Dir() {
			if len(q.e.Data) > 1<<32-1 {
				return nil, fmt.Errorf("bom: %s is larger than 4 GiB", q.e.Path)
			}
			typ, size, sum = bomTypeFile, uint32(len(q.e.Data)), Cksum(q.e.Data)
		}
		info2 := be(typ, uint8(1), uint16(3), uint16(mode), uint32(q.e.UID), uint32(q.e.GID),
			uint32(mtime), size, uint8(1), sum, uint32(0))
		info1 := be(uint32(i+1), s.add(info2))
		i1 := s.add(info1)
		name := path.Base(q.e.Path)
		file := s.add(be(q.parent, name, uint8(0)))
		leaf.Write(be(i1, file))
	}
	paths := s.add(leaf.Bytes())
	s.addVar("Paths", be("tree", uint32(1), paths, uint32(4096), num, uint8(0)))

	empty := be(uint16(1), uint16(0), uint32(0), uint32(0))
	s.addVar("HLIndex", be("tree", uint32(1), s.add(empty), uint32(4096), uint32(0), uint8(0)))
	vtree := s.add(be("tree", uint32(1), s.add(empty), uint32(128), uint32(0), uint8(0)))
	s.addVar("VIndex", be(uint32(1), vtree, uint32(0), uint8(0)))
	s.addVar("Size64", be("tree", uint32(1), s.add(empty), uint32(4096), uint32(0), uint8(0)))
	return s.bytes(), nil
}

// Cksum is the CRC that POSIX cksum(1) prints for data (polynomial
// 0x04C11DB7, not reflected, the length appended, inverted): the checksum
// a Bom records for a file.
func Cksum(data []byte) uint32 {
	var crc uint32
	step := func(b byte) {
		crc = cksumTable[b^byte(crc>>24)] ^ (crc << 8)
	}
	for _, b := range data {
		step(b)
	}
	for n := uint64(len(data)); n > 0; n >>= 8 {
		step(byte(n))
	}
	return ^crc
}

var cksumTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()
