package hostsfile

import (
	"bytes"
	"fmt"

	"github.com/macfleet/installer/hostsfile/block"
)

// maxLine is the longest line we write, terminator included: the lines
// we write stay under 1024 bytes.
const maxLine = block.MaxLine

// marks are the product's marker lines (the block format shared with the
// installer's shell blocks, package block) and its disable prefix.
type marks struct {
	block.Marks
	product string
}

const (
	prefixHead  = "#"
	prefixTail  = "-disabled# "
	crlf        = "\r\n"
	commentChar = '#'
)

func newMarks(product string) marks {
	bm, err := block.New(product)
	if err != nil {
		panic(fmt.Errorf("hostsfile: %w", err))
	}
	return marks{bm, product}
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

// lineAt is block.LineAt: a line's text without its break and the '\r's
// before it, and where the next line starts.
func lineAt(data []byte, ls int) (text []byte, next int) { return block.LineAt(data, ls) }

// span is a byte range of ours, [Start, End), removed as a whole.
type span = block.Span

// findBlocks returns our blocks, sorted (see block.Find), and the number
// of lines starting with the disable prefix (zero lets later passes skip
// comment lines), in the same scan.
func findBlocks(data []byte, m marks) (spans []span, marked int) {
	spans = block.Find(data, m.Marks, func(text []byte) {
		if m.hasPrefix(text) {
			marked++
		}
	})
	return spans, marked
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
