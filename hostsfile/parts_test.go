package hostsfile

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
)

// TestPartsAgree: a file scanned in parts at once gives the edits, the
// count of disabled lines and the entries provided that one scan gives,
// wherever the cuts fall: through our block, between a disabled line and
// the next, on a CRLF.
func TestPartsAgree(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	want := []Entry{{lo, "localhost"}, {lo, "kubernetes.docker.internal"}}
	special := []string{
		"10.0.0.1 localhost", "10.0.0.2 x Kubernetes.Docker.Internal # c",
		"#docker-disabled# 10.0.0.3 kubernetes.docker.internal", "#docker-disabled# 127.0.0.1 localhost",
		"127.0.0.1 localhost", "# BEGIN docker installer", "127.0.0.1 kubernetes.docker.internal",
		"# END docker installer", "#docker-disabled# # comment", "::1 localhost", "10.1.1.1 notlocalhost",
	}
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 1))
		var b bytes.Buffer
		eol := []string{"\n", "\r\n"}[seed%2]
		for i := range 4000 {
			if r.IntN(40) == 0 {
				b.WriteString(special[r.IntN(len(special))])
			} else {
				b.WriteString("10.2.3.4 host-" + string(rune('a'+i%26)) + ".lan")
			}
			b.WriteString(eol)
		}
		data := b.Bytes()
		m := newMarks("docker")
		spans, marked := findBlocks(data, m)
		one := newWanted(want)
		one.chooseAnchors(data)
		var d1 int
		e1 := one.passRange(data, 0, m, spans, marked > 0, nil, &d1)
		for parts := 2; parts <= 9; parts++ {
			w := newWanted(want)
			w.chooseAnchors(data)
			var d2 int
			e2 := passParts(w, parts, data, m, spans, marked > 0, nil, &d2)
			if !reflect.DeepEqual(e1, e2) || d1 != d2 || !reflect.DeepEqual(one.sat, w.sat) {
				t.Fatalf("seed %d, %d parts: edits %v, disabled %d, sat %v; one scan: %v, %d, %v", seed, parts, e2, d2, w.sat, e1, d1, one.sat)
			}
		}
		if len(e1) == 0 || d1 == 0 {
			t.Fatalf("seed %d: no edits (%v) or disabled lines (%d): the file tests nothing", seed, e1, d1)
		}
	}
}
