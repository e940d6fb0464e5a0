package hostsfile

import (
	"bytes"
	"net/netip"
)

// Entry is one wanted mapping, e.g.
// {IP: netip.MustParseAddr("127.0.0.1"), Name: "localhost"}.
type Entry struct {
	IP   netip.Addr
	Name string
}

// Report is what of ours a hosts file holds, for status and receipts.
type Report struct {
	// Blocks is the number of our blocks; more than one, or one that is
	// not at the end, means someone edited the file and Ensure will tidy it.
	Blocks int
	// Disabled is the number of foreign lines carrying our disable prefix.
	Disabled int
	// Entries are the mappings inside our block(s), in file order.
	Entries []Entry
}

// Ensure returns the file content with the product's block holding the
// wanted entries that no foreign active line already satisfies, and with
// the foreign lines that conflict with a wanted entry disabled. Lines this
// package disabled earlier that no longer conflict are restored. When no
// entry is missing there is no block at all, so the stock macOS and Debian
// hosts files stay untouched when only localhost is wanted.
//
// changed is false, and out is old itself, when nothing needs to change.
//
// Ensure panics if product or an entry could not be written as a hosts
// line (see block.New and validEntry); both come from the installer's
// own configuration, not from the file.
func Ensure(old []byte, product string, want []Entry) (out []byte, changed bool) {
	m := newMarks(product)
	w := newWanted(want)
	return edit(old, m, &w)
}

// Remove strips the product's block(s) and restores the lines it disabled.
func Remove(old []byte, product string) (out []byte, changed bool) {
	m := newMarks(product)
	var w wanted
	return edit(old, m, &w)
}

// Inspect reports what of ours is in the file.
func Inspect(old []byte, product string) Report {
	m := newMarks(product)
	spans, marked := findBlocks(old, m)
	var w wanted
	var r Report
	r.Blocks = len(spans)
	if marked > 0 {
		// Every line Remove would restore is one we disabled.
		r.Disabled = len(w.pass(old, m, spans, true, nil, nil))
	}
	for _, s := range spans {
		for ls := s.Start; ls < s.End; {
			text, next := lineAt(old, ls)
			r.Entries = appendEntries(r.Entries, text)
			ls = next
		}
	}
	return r
}

// edit is Ensure with w's entries; with none it is Remove.
func edit(old []byte, m marks, w *wanted) ([]byte, bool) {
	e := plan(old, m, w)
	return e.Bytes(), e.Changed
}

// endsWith reports whether old's only block of ours is exactly tail, at the
// end (or, with an empty tail, whether there is no block).
func endsWith(old []byte, spans []span, tail []byte) bool {
	if len(tail) == 0 {
		return len(spans) == 0
	}
	return len(spans) == 1 && spans[0].End == len(old) &&
		spans[0].Start == len(old)-len(tail) && bytes.Equal(old[spans[0].Start:], tail)
}

// appendEntries adds the mappings of one line inside our block.
func appendEntries(dst []Entry, text []byte) []Entry {
	ipf, rest := nextField(uncomment(text))
	if ipf == nil {
		return dst
	}
	ip, err := netip.ParseAddr(string(ipf))
	if err != nil {
		return dst
	}
	for f, r := nextField(rest); f != nil; f, r = nextField(r) {
		dst = append(dst, Entry{IP: ip, Name: string(f)})
	}
	return dst
}
