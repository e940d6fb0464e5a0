package hostsfile

import (
	"bytes"
	"io"
	"net/netip"

	"github.com/macfleet/installer/hostsfile/block"
)

func validIP(b []byte) bool {
	_, err := netip.ParseAddr(string(b))
	return err == nil
}

// Edit is the outcome of one scan of a hosts file: whether it changes,
// what of ours it holds before and after, and the new content as pieces
// of the old bytes (never copied) with the few bytes the edit adds. It is
// what the installer's receipt, log and streaming write need, so a file
// is scanned once per run however big it is.
type Edit struct {
	// Changed is false when the file already is as wanted.
	Changed bool
	// Before and After count our blocks, the entries in them and the
	// foreign lines carrying our disable prefix, in the old and the new
	// content.
	Before, After Summary

	old    []byte
	spans  []span
	edits  []lineEdit
	prefix []byte
	tail   []byte
}

// Summary is Report without the entries themselves.
type Summary struct {
	Blocks, Entries, Disabled int
}

// Ours reports whether the content holds anything of ours: a block or a
// disabled line (what the receipt must then name).
func (s Summary) Ours() bool { return s.Blocks > 0 || s.Disabled > 0 }

// Plan is Ensure without building the new content: one scan of old.
func Plan(old []byte, product string, want []Entry) Edit {
	m := newMarks(product)
	w := newWanted(want)
	return plan(old, m, &w)
}

// PlanRemove is Remove without building the new content.
func PlanRemove(old []byte, product string) Edit {
	m := newMarks(product)
	var w wanted
	return plan(old, m, &w)
}

func plan(old []byte, m marks, w *wanted) Edit {
	spans, marked := findBlocks(old, m)
	var editBuf [8]lineEdit
	var disabled int
	edits := w.pass(old, m, spans, marked > 0, editBuf[:0], &disabled)

	var tailBuf [512]byte
	tail := tailBuf[:0]
	if w.missing() {
		tail = w.appendBlock(tail, m, block.EOL(old, spans), block.Open(old, spans))
	}
	e := Edit{old: old, Before: Summary{Blocks: len(spans), Disabled: disabled}}
	for _, s := range spans {
		e.Before.Entries += countEntries(old[s.Start:s.End])
	}
	restored := 0
	for _, ed := range edits {
		if ed.restore {
			restored++
		}
	}
	e.After.Disabled = disabled - restored + (len(edits) - restored)
	if len(tail) > 0 {
		e.After.Blocks = 1
		for _, sat := range w.sat {
			if !sat {
				e.After.Entries++
			}
		}
	}
	if len(edits) == 0 && endsWith(old, spans, tail) {
		e.After = e.Before
		return e
	}
	e.Changed = true
	// Copies of what lives on this frame: a few bytes and edits.
	e.spans = spans
	if len(edits) > 0 {
		e.edits = append([]lineEdit(nil), edits...)
	}
	small := append(m.appendPrefix(make([]byte, 0, m.prefixLen()+len(tail))), tail...)
	e.prefix, e.tail = small[:m.prefixLen():m.prefixLen()], small[m.prefixLen():]
	return e
}

// countEntries counts the mappings of the lines of a block.
func countEntries(lines []byte) int {
	n := 0
	for ls := 0; ls < len(lines); {
		text, next := lineAt(lines, ls)
		// As Inspect reads them: a line whose first field is no IP
		// address maps nothing.
		if ipf, rest := nextField(uncomment(text)); ipf != nil && validIP(ipf) {
			for f, r := nextField(rest); f != nil; f, r = nextField(r) {
				n++
			}
		}
		ls = next
	}
	// The marker lines are comments and count nothing.
	return n
}

// Parts returns the new content as pieces to write in order: slices of
// the old content and the added bytes. Unchanged, it is the old content.
func (e *Edit) Parts() [][]byte {
	return e.appendParts(make([][]byte, 0, 2+2*len(e.edits)+len(e.spans)))
}

func (e *Edit) appendParts(pieces [][]byte) [][]byte {
	if !e.Changed {
		return append(pieces, e.old)
	}
	first := len(pieces)
	cur := 0
	for i, j := 0, 0; i < len(e.spans) || j < len(e.edits); {
		if j < len(e.edits) && (i == len(e.spans) || e.edits[j].at < e.spans[i].Start) {
			ed := e.edits[j]
			j++
			pieces = append(pieces, e.old[cur:ed.at])
			if ed.restore {
				cur = ed.at + len(e.prefix)
			} else {
				pieces = append(pieces, e.prefix)
				cur = ed.at
			}
			continue
		}
		s := e.spans[i]
		i++
		pieces = append(pieces, e.old[cur:s.Start])
		cur = s.End
	}
	pieces = append(pieces, e.old[cur:], e.tail)
	out := pieces[:first]
	for _, p := range pieces[first:] {
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// Len is the length of the new content.
func (e *Edit) Len() int {
	var buf [16][]byte
	n := 0
	for _, p := range e.appendParts(buf[:0]) {
		n += len(p)
	}
	return n
}

// Bytes builds the new content; unchanged, it is the old slice itself.
// bytes.Join does not zero the result first: on a 27 MB file that
// zeroing costs as much as the copy.
func (e *Edit) Bytes() []byte {
	if !e.Changed {
		return e.old
	}
	var buf [16][]byte
	return bytes.Join(e.appendParts(buf[:0]), nil)
}

// WriteTo writes the new content to w without building it.
func (e *Edit) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, p := range e.Parts() {
		k, err := w.Write(p)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
