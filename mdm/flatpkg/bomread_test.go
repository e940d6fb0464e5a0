package flatpkg_test

import (
	"encoding/binary"
	"fmt"
	"path"
)

// bomRecord is one path as a Bom reader (lsbom) sees it.
type bomRecord struct {
	Path       string
	Type       uint8
	Mode       uint16
	UID, GID   uint32
	MTime      uint32
	Size       uint32
	Cksum      uint32
	BomInfoNum uint32
}

// readBom is a reader written from bomutils' bom.h and lsbom, not from
// the writer: it follows the header to the block table and the named
// variables, walks the Paths tree's leaves by their forward links, and
// rebuilds each full path from the parent ids.
func readBom(b []byte) ([]bomRecord, error) {
	u32 := func(off uint32) (uint32, error) {
		if int(off)+4 > len(b) {
			return 0, fmt.Errorf("offset %d past the end (%d)", off, len(b))
		}
		return binary.BigEndian.Uint32(b[off:]), nil
	}
	if len(b) < 512 || string(b[:8]) != "BOMStore" {
		return nil, fmt.Errorf("no BOMStore header")
	}
	if v, _ := u32(8); v != 1 {
		return nil, fmt.Errorf("version %d", v)
	}
	nonNull, _ := u32(12)
	indexOff, _ := u32(16)
	indexLen, _ := u32(20)
	varsOff, _ := u32(24)
	if int(indexOff)+int(indexLen) != len(b) {
		return nil, fmt.Errorf("index table %d+%d does not end the file (%d)", indexOff, indexLen, len(b))
	}
	nblocks, err := u32(indexOff)
	if err != nil {
		return nil, err
	}
	block := func(i uint32) ([]byte, error) {
		if i == 0 || i >= nblocks {
			return nil, fmt.Errorf("block %d of %d", i, nblocks)
		}
		addr, err := u32(indexOff + 4 + 8*i)
		if err != nil {
			return nil, err
		}
		n, _ := u32(indexOff + 8 + 8*i)
		if int(addr)+int(n) > int(indexOff) {
			return nil, fmt.Errorf("block %d overlaps the index", i)
		}
		return b[addr : addr+n], nil
	}
	var used uint32
	for i := uint32(1); i < nblocks; i++ {
		if n, _ := u32(indexOff + 8 + 8*i); n != 0 {
			used++
		}
	}
	if used != nonNull {
		return nil, fmt.Errorf("header says %d blocks, table has %d", nonNull, used)
	}
	vars := map[string]uint32{}
	count, _ := u32(varsOff)
	off := varsOff + 4
	for range count {
		idx, err := u32(off)
		if err != nil {
			return nil, err
		}
		l := uint32(b[off+4])
		vars[string(b[off+5:off+5+l])] = idx
		off += 5 + l
	}
	for _, v := range []string{"BomInfo", "Paths", "HLIndex", "VIndex", "Size64"} {
		if _, ok := vars[v]; !ok {
			return nil, fmt.Errorf("variable %s missing", v)
		}
	}
	info, err := block(vars["BomInfo"])
	if err != nil {
		return nil, err
	}
	infoPaths := binary.BigEndian.Uint32(info[4:])
	tree, err := block(vars["Paths"])
	if err != nil {
		return nil, err
	}
	if string(tree[:4]) != "tree" || binary.BigEndian.Uint32(tree[12:]) != 4096 {
		return nil, fmt.Errorf("Paths is not a tree")
	}
	pathCount := binary.BigEndian.Uint32(tree[16:])
	node, err := block(binary.BigEndian.Uint32(tree[8:]))
	if err != nil {
		return nil, err
	}
	// Down to the first leaf.
	for binary.BigEndian.Uint16(node) == 0 {
		if node, err = block(binary.BigEndian.Uint32(node[12:])); err != nil {
			return nil, err
		}
	}
	names := map[uint32]string{0: ""}
	var out []bomRecord
	for {
		n := binary.BigEndian.Uint16(node[2:])
		for k := range uint32(n) {
			i1, err := block(binary.BigEndian.Uint32(node[12+8*k:]))
			if err != nil {
				return nil, err
			}
			file, err := block(binary.BigEndian.Uint32(node[16+8*k:]))
			if err != nil {
				return nil, err
			}
			id := binary.BigEndian.Uint32(i1)
			i2, err := block(binary.BigEndian.Uint32(i1[4:]))
			if err != nil {
				return nil, err
			}
			if len(i2) < 31 {
				return nil, fmt.Errorf("path info of %d bytes", len(i2))
			}
			parent := binary.BigEndian.Uint32(file)
			pname, ok := names[parent]
			if !ok {
				return nil, fmt.Errorf("path id %d: parent %d not seen yet", id, parent)
			}
			name := string(file[4 : len(file)-1])
			if file[len(file)-1] != 0 {
				return nil, fmt.Errorf("name %q not NUL-terminated", name)
			}
			full := name
			if pname != "" {
				full = path.Join(pname, name)
			}
			names[id] = full
			out = append(out, bomRecord{
				Path: full, Type: i2[0], Mode: binary.BigEndian.Uint16(i2[4:]),
				UID: binary.BigEndian.Uint32(i2[6:]), GID: binary.BigEndian.Uint32(i2[10:]),
				MTime: binary.BigEndian.Uint32(i2[14:]), Size: binary.BigEndian.Uint32(i2[18:]),
				Cksum: binary.BigEndian.Uint32(i2[23:]), BomInfoNum: infoPaths,
			})
		}
		fwd := binary.BigEndian.Uint32(node[4:])
		if fwd == 0 {
			break
		}
		if node, err = block(fwd); err != nil {
			return nil, err
		}
	}
	if uint32(len(out)) != pathCount {
		return nil, fmt.Errorf("tree says %d paths, leaves hold %d", pathCount, len(out))
	}
	return out, nil
}
