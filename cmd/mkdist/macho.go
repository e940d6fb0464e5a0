package main

import (
	"bytes"
	"crypto/sha256"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"sort"
)

// universal joins thin Mach-O executables into one fat (universal)
// binary, as lipo -create does: the big-endian fat header, one fat_arch
// per slice (x86_64 first), each slice at an offset aligned to its
// segment alignment (2^14 for arm64, 2^12 for x86_64). The slices are
// copied unchanged, so each keeps its code signature.
func universal(slices ...[]byte) ([]byte, error) {
	type slice struct {
		data   []byte
		cpu    macho.Cpu
		subcpu uint32
		align  uint32
	}
	var ss []slice
	seen := map[macho.Cpu]bool{}
	for i, data := range slices {
		f, err := macho.NewFile(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("slice %d: not a thin Mach-O file: %w", i, err)
		}
		if f.Magic != macho.Magic64 || f.Type != macho.TypeExec {
			return nil, fmt.Errorf("slice %d: not a 64-bit Mach-O executable", i)
		}
		if seen[f.Cpu] {
			return nil, fmt.Errorf("slice %d: a second %v slice", i, f.Cpu)
		}
		seen[f.Cpu] = true
		align := uint32(12)
		if f.Cpu == macho.CpuArm64 {
			align = 14
		}
		ss = append(ss, slice{data, f.Cpu, f.SubCpu, align})
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].cpu < ss[j].cpu })
	var out bytes.Buffer
	w := func(v ...uint32) {
		for _, x := range v {
			_ = binary.Write(&out, binary.BigEndian, x)
		}
	}
	w(macho.MagicFat, uint32(len(ss)))
	off := uint32(8 + 20*len(ss))
	offsets := make([]uint32, len(ss))
	for i, s := range ss {
		a := uint32(1) << s.align
		off = (off + a - 1) / a * a
		offsets[i] = off
		w(uint32(s.cpu), s.subcpu, off, uint32(len(s.data)), s.align)
		off += uint32(len(s.data))
	}
	for i, s := range ss {
		out.Write(make([]byte, int(offsets[i])-out.Len()))
		out.Write(s.data)
	}
	return out.Bytes(), nil
}

// Code signature blobs (xnu's cs_blobs.h).
const (
	lcCodeSignature    = 0x1d
	csMagicEmbedded    = 0xfade0cc0
	csMagicDirectory   = 0xfade0c02
	csSlotCodeDir      = 0
	csHashTypeSHA256   = 2
	csAdhocFlag        = 0x2
	csLinkerSignedFlag = 0x20000
)

// checkAdhocSignature verifies what the Go linker promises for a
// darwin/arm64 executable and macOS requires to run it: an
// LC_CODE_SIGNATURE whose CodeDirectory is ad hoc and whose SHA-256 page
// hashes match the file.
func checkAdhocSignature(data []byte) error {
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		return err
	}
	var dataoff, datasize uint32
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) >= 16 && f.ByteOrder.Uint32(raw) == lcCodeSignature {
			dataoff, datasize = f.ByteOrder.Uint32(raw[8:]), f.ByteOrder.Uint32(raw[12:])
		}
	}
	if datasize == 0 {
		return fmt.Errorf("no LC_CODE_SIGNATURE (macOS kills an unsigned arm64 binary)")
	}
	if uint64(dataoff)+uint64(datasize) > uint64(len(data)) {
		return fmt.Errorf("code signature past the end of the file")
	}
	sig := data[dataoff : dataoff+datasize]
	be := binary.BigEndian
	if len(sig) < 12 || be.Uint32(sig) != csMagicEmbedded {
		return fmt.Errorf("code signature is not an embedded signature blob")
	}
	var cd []byte
	for i := range be.Uint32(sig[8:]) {
		at := 12 + 8*i
		if int(at)+8 > len(sig) {
			return fmt.Errorf("code signature index truncated")
		}
		if be.Uint32(sig[at:]) == csSlotCodeDir {
			o := be.Uint32(sig[at+4:])
			if int(o)+8 > len(sig) {
				return fmt.Errorf("code directory past the signature")
			}
			cd = sig[o:]
		}
	}
	if cd == nil || be.Uint32(cd) != csMagicDirectory || len(cd) < 44 {
		return fmt.Errorf("code signature has no code directory")
	}
	flags := be.Uint32(cd[12:])
	hashOffset := be.Uint32(cd[16:])
	nCodeSlots := be.Uint32(cd[28:])
	codeLimit := be.Uint32(cd[32:])
	hashSize, hashType, pageShift := cd[36], cd[37], cd[39]
	if flags&csAdhocFlag == 0 {
		return fmt.Errorf("code directory is not ad hoc (flags %#x)", flags)
	}
	if hashType != csHashTypeSHA256 || hashSize != sha256.Size || pageShift == 0 || pageShift > 20 {
		return fmt.Errorf("code directory hash type %d size %d page 2^%d not supported", hashType, hashSize, pageShift)
	}
	page := uint32(1) << pageShift
	if codeLimit != dataoff || (codeLimit+page-1)/page != nCodeSlots {
		return fmt.Errorf("code directory covers %d bytes in %d pages; the code is %d bytes", codeLimit, nCodeSlots, dataoff)
	}
	for i := range nCodeSlots {
		start := i * page
		end := min(start+page, codeLimit)
		want := cd[hashOffset+i*sha256.Size:][:sha256.Size]
		if got := sha256.Sum256(data[start:end]); !bytes.Equal(got[:], want) {
			return fmt.Errorf("code page %d does not match its signed hash", i)
		}
	}
	return nil
}
