package install

import (
	"bytes"
	"strings"
)

// Marked blocks in users' shell startup files. The rules are those of the
// hosts block (SPEC.md §7), so a second run changes nothing and removal
// gives back the exact bytes: the block is appended with the file's own line
// ending; when the file did not end with a line break the block is joined
// with one and itself ends without one, and removal takes that break away
// again.

func blockMarks(product string) (begin, end string) {
	return "# BEGIN " + product + " installer", "# END " + product + " installer"
}

// span is a block's byte range, including the line break joined before it.
type tspan struct{ from, to int }

// findTextBlocks pairs each END line with the most recent open BEGIN line.
func findTextBlocks(data []byte, product string) []tspan {
	begin, end := blockMarks(product)
	var spans []tspan
	open := -1
	openEOL := ""
	for ls := 0; ls < len(data); {
		nl := bytes.IndexByte(data[ls:], '\n')
		le, next := len(data), len(data)
		if nl >= 0 {
			le, next = ls+nl, ls+nl+1
		}
		eol := string(data[le:next])
		text := data[ls:le]
		if len(text) > 0 && text[len(text)-1] == '\r' && nl >= 0 {
			text, eol = text[:len(text)-1], "\r\n"
		}
		switch string(text) {
		case begin:
			open, openEOL = ls, eol
		case end:
			if open >= 0 {
				sp := tspan{open, next}
				if eol == "" && strings.HasSuffix(string(data[:open]), openEOL) && openEOL != "" {
					sp.from -= len(openEOL)
				}
				spans = append(spans, sp)
				open = -1
			}
		}
		ls = next
	}
	return spans
}

// removeBlock strips every block of product from data.
func removeBlock(data []byte, product string) []byte {
	spans := findTextBlocks(data, product)
	if len(spans) == 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	at := 0
	for _, s := range spans {
		out = append(out, data[at:s.from]...)
		at = s.to
	}
	return append(out, data[at:]...)
}

// ensureBlock returns data with exactly one block of product, at the end,
// holding body.
func ensureBlock(data []byte, product string, body []string) []byte {
	base := removeBlock(data, product)
	eol := "\n"
	if i := bytes.IndexByte(base, '\n'); i > 0 && base[i-1] == '\r' {
		eol = "\r\n"
	}
	begin, end := blockMarks(product)
	block := begin + eol + strings.Join(body, eol) + eol + end
	out := make([]byte, 0, len(base)+len(block)+4)
	out = append(out, base...)
	switch {
	case len(base) == 0 || base[len(base)-1] == '\n':
		out = append(out, block+eol...)
	default:
		out = append(out, eol+block...)
	}
	if bytes.Equal(out, data) {
		return data
	}
	return out
}

// HasBlock reports whether data holds a marked block of the product.
func HasBlock(data []byte, product string) bool {
	return len(findTextBlocks(data, product)) > 0
}
