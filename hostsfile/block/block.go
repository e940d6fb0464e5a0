package block

import (
	"bytes"
	"errors"
	"fmt"
)

// MaxLine is the longest line the installer writes into a hosts file,
// terminator included: the lines it writes stay under 1024 bytes.
const MaxLine = 1023

const (
	beginHead  = "# BEGIN "
	endHead    = "# END "
	markerTail = " installer"
	crlf, lf   = "\r\n", "\n"
)

// Marks are one product's marker lines.
type Marks struct{ product string }

// New returns the marks of product, or an error for a name whose marker
// lines could not be read back as the same single line.
func New(product string) (Marks, error) {
	if product == "" {
		return Marks{}, errors.New("empty product name")
	}
	for i := 0; i < len(product); i++ {
		if c := product[i]; c < ' ' || c == 0x7f {
			return Marks{}, fmt.Errorf("product name %q has a control character", product)
		}
	}
	if len(beginHead)+len(product)+len(markerTail)+len(crlf) > MaxLine {
		return Marks{}, fmt.Errorf("product name %q is too long for a hosts line", product)
	}
	return Marks{product}, nil
}

// MustNew is New for a product name from the installer's own
// configuration; it panics on a name New refuses.
func MustNew(product string) Marks {
	m, err := New(product)
	if err != nil {
		panic("block: " + err.Error())
	}
	return m
}

// Product is the product name the marks were made for.
func (m Marks) Product() string { return m.product }

// IsBegin reports whether text, a line without its break, is our BEGIN.
func (m Marks) IsBegin(text []byte) bool { return m.isMarker(text, beginHead) }

// IsEnd reports whether text, a line without its break, is our END.
func (m Marks) IsEnd(text []byte) bool { return m.isMarker(text, endHead) }

// isMarker compares piecewise so that no marker string is ever built.
func (m Marks) isMarker(text []byte, head string) bool {
	p := m.product
	return len(text) == len(head)+len(p)+len(markerTail) &&
		string(text[:len(head)]) == head &&
		string(text[len(head):len(head)+len(p)]) == p &&
		string(text[len(head)+len(p):]) == markerTail
}

// AppendHead appends what comes before a block's body: with open (the
// file's last line has no break) the break that ends that line, then
// the BEGIN line.
func (m Marks) AppendHead(dst []byte, eol string, open bool) []byte {
	if open {
		dst = append(dst, eol...)
	}
	dst = append(dst, beginHead...)
	dst = append(dst, m.product...)
	dst = append(dst, markerTail...)
	return append(dst, eol...)
}

// AppendTail appends the END line, with a break unless open.
func (m Marks) AppendTail(dst []byte, eol string, open bool) []byte {
	dst = append(dst, endHead...)
	dst = append(dst, m.product...)
	dst = append(dst, markerTail...)
	if !open {
		dst = append(dst, eol...)
	}
	return dst
}

// LineAt returns the text of the line starting at ls and where the next
// line starts. The text leaves out the line break and every '\r' before
// it (or before the end of the file): what a line means must not depend
// on whether a line break follows it, or appending our block after a last
// line without one, and removing the block again, could change that
// line's meaning.
func LineAt(data []byte, ls int) (text []byte, next int) {
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

// Span is a block's byte range, [Start, End), removed as a whole.
type Span struct{ Start, End int }

// Find returns the blocks of m in data, sorted, jumping between the lines
// that start with '#'; other, if not nil, is called with the text of
// every other such line, so a caller can look at comment lines in the
// same scan.
//
// An END closes the most recent BEGIN still open, so markers nest like
// brackets and a block is an outermost matched pair; unmatched markers are
// foreign text. This is what the rule "an END pairs with the most recent
// BEGIN since the previous END" gives once applied until no block is left,
// and it has to be: with a single application "B B E E" would leave "B E",
// a new block, and removal would not be idempotent.
//
// A block whose END line ends the file without a line break was appended
// after a last line that had none; its span also takes the line break
// added before BEGIN, so that the "missing final newline" comes back.
func Find(data []byte, m Marks, other func(text []byte)) []Span {
	var openBuf [8]int
	open := openBuf[:0]
	var spans []Span
	for off := 0; off < len(data); {
		i := bytes.IndexByte(data[off:], '#')
		if i < 0 {
			break
		}
		p := off + i
		if p > 0 && data[p-1] != '\n' {
			off = p + 1
			continue
		}
		text, next := LineAt(data, p)
		switch {
		case m.IsBegin(text):
			open = append(open, p)
		case m.IsEnd(text):
			if len(open) == 0 {
				break
			}
			b := open[len(open)-1]
			open = open[:len(open)-1]
			for len(spans) > 0 && spans[len(spans)-1].Start > b {
				spans = spans[:len(spans)-1] // nested in this one
			}
			spans = append(spans, Span{b, next})
		case other != nil:
			other(text)
		}
		off = next
	}
	if n := len(spans); n > 0 {
		last := &spans[n-1]
		b := last.Start
		if last.End == len(data) && data[len(data)-1] != '\n' && b > 0 && (n == 1 || spans[n-2].End < b) {
			// Take back the break that matches BEGIN's own: for base
			// "a\r" we added "\n", not "\r\n".
			q := b + bytes.IndexByte(data[b:], '\n') // BEGIN is not the last line
			if data[q-1] == '\r' && b >= 2 && data[b-2] == '\r' {
				last.Start = b - 2
			} else {
				last.Start = b - 1
			}
		}
	}
	return spans
}

// EOL is the line break a block is written with: that of the first line
// break outside spans, so a CRLF file stays CRLF; "\n" when there is none.
func EOL(data []byte, spans []Span) string {
	from := 0
	for i := 0; i <= len(spans); i++ {
		to := len(data)
		if i < len(spans) {
			to = spans[i].Start
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
			from = spans[i].End
		}
	}
	return lf
}

// BaseEnd is the length of data's content outside spans up to its last
// byte: zero when there is none, and the last byte is data[BaseEnd-1].
func BaseEnd(data []byte, spans []Span) int {
	end := len(data)
	for i := len(spans) - 1; i >= 0 && spans[i].End == end; i-- {
		end = spans[i].Start
	}
	return end
}

// Open reports whether the content outside spans ends in a line without a
// break, so a block appended to it needs one first.
func Open(data []byte, spans []Span) bool {
	end := BaseEnd(data, spans)
	return end > 0 && data[end-1] != '\n'
}

// Remove returns data without the spans, as one new slice; data itself
// when there are none.
func Remove(data []byte, spans []Span) []byte {
	if len(spans) == 0 {
		return data
	}
	n := len(data)
	for _, s := range spans {
		n -= s.End - s.Start
	}
	out := make([]byte, 0, n)
	at := 0
	for _, s := range spans {
		out = append(out, data[at:s.Start]...)
		at = s.End
	}
	return append(out, data[at:]...)
}

// Ensure returns data with exactly one block of m, at the end, holding
// the lines body (each without a line break), and whether that changed
// anything; unchanged, it returns data itself. For small files (a shell
// startup file): the result is a new slice.
func Ensure(data []byte, m Marks, body []string) (out []byte, changed bool) {
	spans := Find(data, m, nil)
	eol, open := EOL(data, spans), Open(data, spans)
	var tail []byte
	tail = m.AppendHead(tail, eol, open)
	for _, l := range body {
		tail = append(append(tail, l...), eol...)
	}
	tail = m.AppendTail(tail, eol, open)
	if n := len(spans); n == 1 && spans[0].End == len(data) && bytes.Equal(data[spans[0].Start:], tail) {
		return data, false
	}
	base := Remove(data, spans)
	out = make([]byte, 0, len(base)+len(tail))
	return append(append(out, base...), tail...), true
}
