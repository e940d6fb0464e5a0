package flatpkg

import (
	"encoding/asn1"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

// TestTLVLengths: each DER length form at its edges reads back with
// encoding/asn1, which refuses a length that is not in its shortest form.
func TestTLVLengths(t *testing.T) {
	for _, n := range []int{0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x10001} {
		b := tlv(0x04, make([]byte, n))
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil || len(rest) != 0 || len(v.Bytes) != n || v.Tag != 4 {
			t.Errorf("tlv of %d bytes (header % x): %v, %d bytes read, %d left", n, b[:min(len(b), 5)], err, len(v.Bytes), len(rest))
		}
	}
}

// TestBomRefusesOrphans: bom itself refuses entries whose directory is
// not in the list (check refuses them before; this is the second guard),
// and says how many.
func TestBomRefusesOrphans(t *testing.T) {
	_, err := bom([]Entry{
		{Path: ".", Mode: fs.ModeDir | 0o755},
		{Path: "a/b", Mode: 0o644},
		{Path: "c/d", Mode: 0o644},
	}, 0)
	if err == nil || !strings.Contains(err.Error(), "2 entries are not under") {
		t.Fatalf("orphans: %v", err)
	}
}

// TestBomLimits: bom's own guards, at their edges: the number of entries
// one leaf of the Paths tree holds, and a time that fits 32 bits.
func TestBomLimits(t *testing.T) {
	entries := func(n int) []Entry {
		es := []Entry{{Path: ".", Mode: fs.ModeDir | 0o755}}
		for i := 1; i < n; i++ {
			es = append(es, Entry{Path: fmt.Sprintf("f%05d", i), Mode: 0o644})
		}
		return es
	}
	if _, err := bom(entries(bomLeafMax), 0); err != nil {
		t.Errorf("%d entries: %v", bomLeafMax, err)
	}
	if _, err := bom(entries(bomLeafMax+1), 0); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("%d entries: %v", bomLeafMax+1, err)
	}
	for mtime, ok := range map[int64]bool{-1: false, 0: true, 1<<32 - 1: true, 1 << 32: false} {
		if _, err := bom(entries(2), mtime); (err == nil) != ok {
			t.Errorf("time %d: %v", mtime, err)
		}
	}
}

// TestSetOfSorted: a DER SET OF holds its elements sorted by their
// encoding, whatever order they are given in.
func TestSetOfSorted(t *testing.T) {
	a, b, c := der(1), der(2), der(300)
	got := setOf(c, a, b)
	var set asn1.RawValue
	if _, err := asn1.Unmarshal(got, &set); err != nil || set.Tag != asn1.TagSet {
		t.Fatalf("setOf: %v, tag %d", err, set.Tag)
	}
	want := string(a) + string(b) + string(c)
	if string(set.Bytes) != want {
		t.Errorf("setOf content % x, want % x", set.Bytes, want)
	}
}
