package mdm

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// bplist assembles a binary plist from encoded objects; object 0 is the
// top. References are 2 bytes, offsets 4.
func bplist(objects ...[]byte) []byte {
	b := []byte("bplist00")
	var offs []int
	for _, o := range objects {
		offs = append(offs, len(b))
		b = append(b, o...)
	}
	table := len(b)
	for _, o := range offs {
		b = binary.BigEndian.AppendUint32(b, uint32(o))
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = 4, 2
	binary.BigEndian.PutUint64(tr[8:], uint64(len(objects)))
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(b, tr...)
}

// container encodes an array (0xA) or dictionary (0xD) marker and refs.
func container(marker byte, refs ...int) []byte {
	n := len(refs)
	if marker == 0xD {
		n /= 2
	}
	var b []byte
	if n < 15 {
		b = []byte{marker<<4 | byte(n)}
	} else {
		b = binary.BigEndian.AppendUint32([]byte{marker<<4 | 0xF, 0x12}, uint32(n))
	}
	for _, r := range refs {
		b = binary.BigEndian.AppendUint16(b, uint16(r))
	}
	return b
}

func ascii(s string) []byte { return append([]byte{0x50 | byte(len(s))}, s...) }

var boolTrue = []byte{0x09}

func TestDecodeDictHandBuiltBinary(t *testing.T) {
	// {"Kubernetes": true, "AllowedOrgs": ["acme", "acme"]} with the
	// string shared, as CoreFoundation writes it.
	data := bplist(
		container(0xD, 1, 2, 3, 4),
		ascii("Kubernetes"), ascii("AllowedOrgs"),
		boolTrue,
		container(0xA, 5, 5),
		ascii("acme"),
	)
	d, err := decodeDict(data)
	if err != nil {
		t.Fatal(err)
	}
	var p Prefs
	if _, err := p.apply(d, "x"); err != nil {
		t.Fatal(err)
	}
	if p.Kubernetes == nil || !*p.Kubernetes || strings.Join(p.AllowedOrgs, ",") != "acme,acme" {
		t.Errorf("decoded %s", dump(p))
	}
}

// TestDecodeDictRefusesHostileBinary: each file is small but would make
// the plist package loop, recurse without end, or expand shared
// references into an exponential tree.
func TestDecodeDictRefusesHostileBinary(t *testing.T) {
	// 40 arrays, each referring twice to the next: 2^40 values expanded.
	var bomb [][]byte
	bomb = append(bomb, container(0xD, 1, 2))
	bomb = append(bomb, ascii("AllowedOrgs"))
	for i := 2; i < 42; i++ {
		bomb = append(bomb, container(0xA, i+1, i+1))
	}
	bomb = append(bomb, ascii("x"))

	// a chain 100 deep
	var deep [][]byte
	deep = append(deep, container(0xD, 1, 2))
	deep = append(deep, ascii("k"))
	for i := 2; i < 102; i++ {
		deep = append(deep, container(0xA, i+1))
	}
	deep = append(deep, boolTrue)

	// many objects in a flat array: legal, but more than settings need
	refs := make([]int, maxTreeNodes+1)
	for i := range refs {
		refs[i] = 1
	}
	many := [][]byte{container(0xA, refs...), boolTrue}

	tooManyObjects := bplist(boolTrue)
	binary.BigEndian.PutUint64(tooManyObjects[len(tooManyObjects)-24:], 1<<40)

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"shared-reference bomb", bplist(bomb...), "expands to more than"},
		{"a dictionary holding itself", bplist(container(0xD, 1, 0), ascii("k")), "a container holds itself"},
		{"an array holding itself through another", bplist(container(0xA, 1), container(0xA, 0)), "a container holds itself"},
		{"deep nesting", bplist(deep...), "deeper than 64"},
		{"flat but huge", bplist(many...), "expands to more than"},
		{"object count in the trailer", tooManyObjects, "objects; the limit is"},
		{"reference out of range", bplist(container(0xA, 9)), "reference out of range"},
		{"offset out of range", func() []byte {
			b := bplist(boolTrue)
			binary.BigEndian.PutUint32(b[len(b)-36:], 0xFFFFFF)
			return b
		}(), "offset out of range"},
		{"container count past the end", bplist([]byte{0xAF, 0x12, 0, 1, 0, 0}), "runs past the object table"},
		{"too short", []byte("bplist00"), "too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := decodeDict(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decodeDict = %v, want an error containing %q", err, tt.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v to refuse", d)
			}
		})
	}
}

func TestDecodeDictRefusesDeepXML(t *testing.T) {
	x := `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>k</key>` +
		strings.Repeat("<array>", 100) + strings.Repeat("</array>", 100) + `</dict></plist>`
	if _, err := decodeDict([]byte(x)); err == nil || !strings.Contains(err.Error(), "deeper than 64") {
		t.Fatalf("decodeDict = %v", err)
	}
	// 63 levels below the top dictionary are fine.
	x = strings.ReplaceAll(strings.ReplaceAll(x, strings.Repeat("<array>", 100), strings.Repeat("<array>", 63)), strings.Repeat("</array>", 100), strings.Repeat("</array>", 63))
	if _, err := decodeDict([]byte(x)); err != nil {
		t.Fatalf("decodeDict at the limit: %v", err)
	}
}

// TestDecodeDictSurvivesMutations flips every byte of a valid binary
// plist in turn: each result must be refused or decoded, never crash,
// hang or balloon.
func TestDecodeDictSurvivesMutations(t *testing.T) {
	valid := binPlist(t, everything)
	start := time.Now()
	for i := range valid {
		for _, v := range []byte{0x00, 0x0F, 0x7F, 0xAF, 0xDF, 0xFF} {
			b := append([]byte(nil), valid...)
			b[i] = v
			_, _ = decodeDict(b)
			b = append([]byte(nil), valid[:i]...) // truncated
			_, _ = decodeDict(b)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("mutations took %v", d)
	}
}

func FuzzDecodeDict(f *testing.F) {
	f.Add(binPlist(f, everything))
	f.Add(xmlPlist(f, everything))
	f.Add(bplist(container(0xD, 1, 2), ascii("k"), container(0xA, 3, 3), container(0xA, 4, 4), boolTrue))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decodeDict(data)
		if err == nil && d == nil {
			t.Fatal("no error and no dictionary")
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}
