package hostsfile

import (
	"bytes"
	"fmt"
)

// maxLine is the longest line we write, terminator included: SPEC §7
// keeps the lines we write under 1024 bytes.
const maxLine = 1023

// marks are the product's marker lines and disable prefix.
type marks struct{ product string }

const (
	beginHead   = "# BEGIN "
	endHead     = "# END "
	markerTail  = " installer"
	prefixHead  = "#"
	prefixTail  = "-disabled# "
	crlf, lf    = "\r\n", "\n"
	commentChar = '#'
)

func newMarks(product string) marks {
	if err := validProduct(product); err != nil {
		panic(err)
	}
	return marks{product}
}

// validProduct rejects names whose marker lines could not be read back as
// the same single line.
func validProduct(p string) error {
	if p == "" {
		return fmt.Errorf("hostsfile: empty product name")
	}
	for i := 0; i < len(p); i++ {
		if p[i] < ' ' || p[i] == 0x7f {
			return fmt.Errorf("hostsfile: product name %q has a control character", p)
		}
	}
	if len(beginHead)+len(p)+len(markerTail)+len(crlf) > maxLine {
		return fmt.Errorf("hostsfile: product name %q is too long for a hosts line", p)
	}
	return nil
}

func (m marks) isBegin(text []byte) bool { return m.isMarker(text, beginHead) }
func (m marks) isEnd(text []byte) bool   { return m.isMarker(text, endHead) }

// isMarker compares piecewise so that no marker string is ever built.
func (m marks) isMarker(text []byte, head string) bool {
	p := m.product
	return len(text) == len(head)+len(p)+len(markerTail) &&
		string(text[:len(head)]) == head &&
		string(text[len(head):len(head)+len(p)]) == p &&
		string(text[len(head)+len(p):]) == markerTail
}

func (m marks) prefixLen() int { return len(prefixHead) + len(m.product) + len(prefixTail) }

func (m marks) appendPrefix(dst []byte) []byte {
	dst = append(dst, prefixHead...)
	dst = append(dst, m.product...)
	return append(dst, prefixTail...)
}

func (m marks) hasPrefix(text []byte) bool {
	p := m.product
	return len(text) >= m.prefixLen() &&
		string(text[:len(prefixHead)]) == prefixHead &&
		string(text[len(prefixHead):len(prefixHead)+len(p)]) == p &&
		string(text[len(prefixHead)+len(p):m.prefixLen()]) == prefixTail
}

// disabled returns the line we disabled, if text is one. Only a prefix in
// front of an active line counts: "#docker-disabled# # END docker
// installer" is someone's comment, and restoring it would invent a marker.
func (m marks) disabled(text []byte) (rest []byte, ok bool) {
	if !m.hasPrefix(text) {
		return nil, false
	}
	rest = text[m.prefixLen():]
	return rest, isActive(rest)
}

// isActive reports whether the resolver reads the line: its first
// non-blank byte exists and does not start a comment.
func isActive(text []byte) bool {
	for _, c := range text {
		if c != ' ' && c != '\t' {
			return c != commentChar
		}
	}
	return false
}

// lineAt returns the text of the line starting at ls and where the next
// line starts. The text leaves out the line break and every '\r' before it
// (or before the end of the file): what a line means must not depend on
// whether a line break follows it, or appending our block after a last line
// without one, and removing the block again, could change that line's
// meaning.
func lineAt(data []byte, ls int) (text []byte, next int) {
	end, next := len(data), len(data)
	if q := bytes.IndexByte(data[ls:], '\n'); q >= 0 {
		end, next = ls+q, ls+q+1
	}
	text = data[ls:end]
	for len(text) > 0 && text[len(text)-1] == '\r' {
		text = text[:len(text)-1]
	}
	return text, next
}

// span is a byte range of ours, [start, end), removed as a whole.
type span struct{ start, end int }

// findBlocks returns our blocks, sorted, and the number of lines starting
// with the disable prefix (zero lets later passes skip comment lines).
//
// An END closes the most recent BEGIN still open, so markers nest like
// brackets and a block is an outermost matched pair; unmatched markers are
// foreign text. This is what the rule "an END pairs with the most recent
// BEGIN since the previous END" gives once applied until no block is left,
// and it has to be: with a single application "B B E E" would leave "B E",
// a new block, and Remove would not be idempotent.
//
// A block whose END line ends the file without a line break was appended
// after a last line that had none; its span also takes the line break we
// added before BEGIN, so that the "missing final newline" comes back.
func findBlocks(data []byte, m marks) (spans []span, marked int) {
	var openBuf [8]int
	open := openBuf[:0]
	for off := 0; off < len(data); {
		i := bytes.IndexByte(data[off:], commentChar)
		if i < 0 {
			break
		}
		p := off + i
		if p > 0 && data[p-1] != '\n' {
			off = p + 1
			continue
		}
		text, next := lineAt(data, p)
		switch {
		case m.isBegin(text):
			open = append(open, p)
		case m.isEnd(text):
			if len(open) == 0 {
				break
			}
			b := open[len(open)-1]
			open = open[:len(open)-1]
			for len(spans) > 0 && spans[len(spans)-1].start > b {
				spans = spans[:len(spans)-1] // nested in this one
			}
			spans = append(spans, span{b, next})
		case m.hasPrefix(text):
			marked++
		}
		off = next
	}
	if n := len(spans); n > 0 {
		last := &spans[n-1]
		b := last.start
		if last.end == len(data) && data[len(data)-1] != '\n' && b > 0 && (n == 1 || spans[n-2].end < b) {
			// Take back the break that matches BEGIN's own: for base
			// "a\r" we added "\n", not "\r\n".
			q := b + bytes.IndexByte(data[b:], '\n') // BEGIN is not the last line
			if data[q-1] == '\r' && b >= 2 && data[b-2] == '\r' {
				last.start = b - 2
			} else {
				last.start = b - 1
			}
		}
	}
	return spans, marked
}

// baseEOL is the line break the block is written with: that of the first
// line break outside our spans, so a CRLF file stays CRLF.
func baseEOL(data []byte, spans []span) string {
	from := 0
	for i := 0; i <= len(spans); i++ {
		to := len(data)
		if i < len(spans) {
			to = spans[i].start
		}
		if q := bytes.IndexByte(data[from:to], '\n'); q >= 0 {
			// A range after a span starts a line, so a '\r' before its
			// first byte is not part of this break.
			if q > 0 && data[from+q-1] == '\r' {
				return crlf
			}
			return lf
		}
		if i < len(spans) {
			from = spans[i].end
		}
	}
	return lf
}

// baseEnd is the length of the file's content outside our spans up to its
// last byte: zero when there is none, and the last byte is data[baseEnd-1].
func baseEnd(data []byte, spans []span) int {
	end := len(data)
	for i := len(spans) - 1; i >= 0 && spans[i].end == end; i-- {
		end = spans[i].start
	}
	return end
}

// uncomment cuts text at its first '#', as the resolver does.
func uncomment(text []byte) []byte {
	if i := bytes.IndexByte(text, commentChar); i >= 0 {
		return text[:i]
	}
	return text
}

// nextField returns the first field of b, separated by spaces and tabs,
// and what follows it; field is nil when there is none.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], b[j:]
}
