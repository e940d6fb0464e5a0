package hostsfile

import (
	"bytes"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
)

// wanted is the set of entries Ensure was asked for and what the file's
// foreign lines already provide.
type wanted struct {
	entries []Entry  // valid, without duplicates, in the caller's order
	sat     []bool   // sat[i]: a foreign active line provides entries[i]
	names   []anchor // the distinct names, case-insensitively
}

// anchor is a name and the byte of it the scan looks for: the one rarest in
// the file, since bytes.IndexByte is fast only while it rarely stops.
type anchor struct {
	name string
	k    int  // index of the anchor byte in name
	c    byte // name[k], lower-cased
}

func newWanted(want []Entry) wanted {
	w := wanted{entries: make([]Entry, 0, len(want)), names: make([]anchor, 0, len(want))}
	for _, e := range want {
		if err := validEntry(e); err != nil {
			panic(err)
		}
		if w.has(e) {
			continue
		}
		w.entries = append(w.entries, e)
		if !w.hasName(e.Name) {
			w.names = append(w.names, anchor{name: e.Name})
		}
	}
	w.sat = make([]bool, len(w.entries))
	return w
}

// validEntry rejects entries that could not be written as one hosts line
// that reads back as the same entry.
func validEntry(e Entry) error {
	if !e.IP.IsValid() {
		return fmt.Errorf("hostsfile: entry %q has no IP address", e.Name)
	}
	if e.Name == "" {
		return fmt.Errorf("hostsfile: entry for %s has an empty host name", e.IP)
	}
	for i := 0; i < len(e.Name); i++ {
		if c := e.Name[i]; c <= ' ' || c == 0x7f || c == commentChar {
			return fmt.Errorf("hostsfile: host name %q has a blank, control or '#' character", e.Name)
		}
	}
	var ipBuf [64]byte
	if len(e.IP.AppendTo(ipBuf[:0]))+1+len(e.Name)+len(crlf) > maxLine {
		return fmt.Errorf("hostsfile: host name %q is too long for a hosts line", e.Name)
	}
	return nil
}

func (w *wanted) has(e Entry) bool {
	for _, d := range w.entries {
		if d.IP == e.IP && foldEqual(d.Name, e.Name) {
			return true
		}
	}
	return false
}

func (w *wanted) hasName(name string) bool {
	for _, a := range w.names {
		if foldEqual(a.name, name) {
			return true
		}
	}
	return false
}

// missing reports whether some entry needs our block.
func (w *wanted) missing() bool {
	for _, s := range w.sat {
		if !s {
			return true
		}
	}
	return false
}

// appendBlock appends our block with the entries no foreign line provides.
// open means the file's last line has no line break (see block.Marks'
// AppendHead and AppendTail).
func (w *wanted) appendBlock(dst []byte, m marks, eol string, open bool) []byte {
	dst = m.AppendHead(dst, eol, open)
	for i, e := range w.entries {
		if w.sat[i] {
			continue
		}
		dst = e.IP.AppendTo(dst)
		dst = append(dst, ' ')
		dst = append(dst, e.Name...)
		dst = append(dst, eol...)
	}
	return m.AppendTail(dst, eol, open)
}

// lineEdit adds the disable prefix at the start of a line, or with restore
// removes it.
type lineEdit struct {
	at      int
	restore bool
}

// pass visits, in file order, the lines outside our spans that can matter:
// those starting with '#' when comments is set (some line carries the
// disable prefix), and those containing a wanted name. It marks the
// entries foreign lines provide and returns edits with the lines to
// disable or restore appended. Every other line is jumped over. If
// disabled is not nil, it counts the lines carrying our disable prefix.
func (w *wanted) pass(data []byte, m marks, spans []span, comments bool, edits []lineEdit, disabled *int) []lineEdit {
	if len(w.names) > 0 {
		w.chooseAnchors(data)
	}
	parts := min(runtime.GOMAXPROCS(0), maxParts, len(data)/partMin)
	if parts < 2 || !comments && len(w.names) == 0 {
		return w.passRange(data, 0, m, spans, comments, edits, disabled)
	}
	return passParts(*w, parts, data, m, spans, comments, edits, disabled)
}

// passParts is pass on a big file: parts of it, cut at line starts, are
// scanned at once, each with its own marks of the entries provided (w's
// are the union); their edits are in file order, and so is their
// concatenation. w is a copy, so that only this path allocates it.
func passParts(w wanted, parts int, data []byte, m marks, spans []span, comments bool, edits []lineEdit, disabled *int) []lineEdit {
	type result struct {
		edits    []lineEdit
		sat      []bool
		disabled int
	}
	res := make([]result, parts)
	var wg sync.WaitGroup
	from := 0
	for i := range parts {
		to := len(data)
		if i < parts-1 {
			to = len(data) / parts * (i + 1)
			if q := bytes.IndexByte(data[to:], '\n'); q >= 0 {
				to += q + 1
			} else {
				to = len(data)
			}
		}
		if to < from {
			to = from
		}
		wg.Add(1)
		go func(i, from, to int) {
			defer wg.Done()
			pw := w
			pw.sat = make([]bool, len(w.sat))
			r := &res[i]
			r.edits = pw.passRange(data[:to], from, m, spans, comments, nil, &r.disabled)
			r.sat = pw.sat
		}(i, from, to)
		from = to
	}
	wg.Wait()
	for _, r := range res {
		edits = append(edits, r.edits...)
		if disabled != nil {
			*disabled += r.disabled
		}
		for i, s := range r.sat {
			w.sat[i] = w.sat[i] || s
		}
	}
	return edits
}

// partMin and maxParts: a file is scanned in parts, at once, only when
// each part is at least 8 MB (starting the goroutines costs a few µs,
// the part a few ms) and in at most 4 (memory bandwidth, not cores, is
// the limit beyond).
const partMin, maxParts = 8 << 20, 4

// passRange is pass over the lines starting in data[from:], the names'
// anchors already chosen.
func (w *wanted) passRange(data []byte, from int, m marks, spans []span, comments bool, edits []lineEdit, disabled *int) []lineEdit {
	var streamBuf [8]stream
	streams := streamBuf[:0]
	if comments {
		streams = addStream(streams, commentChar)
	}
	if len(w.names) > 0 {
		for _, a := range w.names {
			streams = addStream(streams, a.c)
			streams = addStream(streams, upper(a.c))
		}
	}
	if len(streams) == 0 {
		return edits
	}
	// quick[c] is the index of byte c in the only name anchored on it,
	// so that most anchor hits are turned down on one byte, inline.
	var quick [256]int16
	for i := range quick {
		quick[i] = -1
	}
	for _, a := range w.names {
		cs := [2]byte{a.c, upper(a.c)}
		n := 2
		if cs[0] == cs[1] {
			n = 1 // not a letter
		}
		for _, c := range cs[:n] {
			if quick[c] == -1 {
				quick[c] = int16(a.k) // names are shorter than a line, < 1024
			} else {
				quick[c] = -2 // shared by two names: ask candidate
			}
		}
	}
	ev := newEvents(data, streams)
	off := from // where to look for the next event
	lo := from  // a line start at or before any line still to visit
	si := 0     // first span that may hold the next event
	for {
		// The stream that gave the last event, inline: with an anchor
		// byte common in the file this path is taken about once a line.
		p := -1
		if ev.cur >= 0 && ev.bound >= off {
			s := &ev.s[ev.cur]
			if s.at < off {
				to := min(off+window, len(data))
				if j := bytes.IndexByte(data[off:to], s.c); j >= 0 {
					s.at, s.hit = off+j, true
				} else {
					s.at, s.hit = to, false
				}
			}
			if s.hit && s.at <= ev.bound { // see events.cur
				p = s.at
			}
		}
		if p < 0 {
			if p = ev.merge(off); p < 0 {
				return edits
			}
		}
		if k := int(quick[data[p]]); k >= 0 {
			if start := p - k; start < 1 || data[start-1] != ' ' && data[start-1] != '\t' {
				off = p + 1 // a name is never a line's first field
				continue
			}
		}
		for si < len(spans) && spans[si].End <= p {
			si++
		}
		if si < len(spans) && spans[si].Start <= p {
			// A part's data may end inside the span.
			off = min(spans[si].End, len(data))
			lo = off
			continue
		}
		ls := p
		if data[p] == commentChar {
			if p > 0 && data[p-1] != '\n' {
				off = p + 1
				continue
			}
		} else {
			if !w.candidate(data, p) {
				off = p + 1
				continue
			}
			ls = lo + bytes.LastIndexByte(data[lo:p], '\n') + 1
		}
		text, next := lineAt(data, ls)
		off, lo = next, next
		if rest, ok := m.disabled(text); ok {
			if disabled != nil {
				*disabled++
			}
			if !w.judge(rest) {
				edits = append(edits, lineEdit{at: ls, restore: true})
			}
		} else if w.judge(text) {
			edits = append(edits, lineEdit{at: ls})
		}
	}
}

// candidate reports whether the anchor byte at p may be inside a field
// naming a wanted name: cheap and never wrong in the "no" direction.
func (w *wanted) candidate(data []byte, p int) bool {
	c := lower(data[p])
	for _, a := range w.names {
		if a.c != c {
			continue
		}
		start, end := p-a.k, p-a.k+len(a.name)
		if start < 1 || end > len(data) {
			continue
		}
		// A name is never a line's first field. Most anchor hits fail
		// here, on one byte, before the whole name is compared.
		if b := data[start-1]; b != ' ' && b != '\t' {
			continue
		}
		if !foldEqual(data[start:end], a.name) {
			continue
		}
		if end < len(data) {
			switch data[end] {
			case ' ', '\t', commentChar, '\r', '\n':
			default:
				continue
			}
		}
		return true
	}
	return false
}

// judge reads one foreign line as the resolver would and reports whether
// it conflicts: it sends a wanted name to a non-loopback IPv4 address that
// no entry wants for that name. IPv6 lines never conflict: the stock
// macOS file maps localhost to ::1 and fe80::1%lo0. A line that does not
// conflict stays active, so it marks the entries it provides.
func (w *wanted) judge(text []byte) (conflict bool) {
	if len(w.entries) == 0 {
		return false
	}
	ipf, names := nextField(uncomment(text))
	if ipf == nil || !w.namesAny(names) {
		return false
	}
	// Only lines naming a wanted name get here, so this conversion is not
	// paid per line.
	ip, err := netip.ParseAddr(string(ipf))
	if err != nil {
		return false
	}
	if ip.Is4() && !ip.IsLoopback() {
		for f, r := nextField(names); f != nil; f, r = nextField(r) {
			if w.conflicts(f, ip) {
				return true
			}
		}
	}
	for f, r := nextField(names); f != nil; f, r = nextField(r) {
		for i, e := range w.entries {
			if e.IP == ip && foldEqual(f, e.Name) {
				w.sat[i] = true
			}
		}
	}
	return false
}

func (w *wanted) namesAny(names []byte) bool {
	for f, r := nextField(names); f != nil; f, r = nextField(r) {
		for _, a := range w.names {
			if foldEqual(f, a.name) {
				return true
			}
		}
	}
	return false
}

// conflicts reports whether name f is wanted, and not at ip.
func (w *wanted) conflicts(f []byte, ip netip.Addr) bool {
	named := false
	for _, e := range w.entries {
		if foldEqual(f, e.Name) {
			if e.IP == ip {
				return false
			}
			named = true
		}
	}
	return named
}

// chooseAnchors picks, for each name, its byte that is rarest in a sample
// of the file. A fixed choice would not do: "localhost" has no byte that
// is rare in every hosts file ("h" starts "host-1", "l" ends ".local").
func (w *wanted) chooseAnchors(data []byte) {
	var freq [256]uint32
	sample(data, &freq)
	for i := range w.names {
		a := &w.names[i]
		best, bestN := 0, ^uint64(0)
		for k := 0; k < len(a.name); k++ {
			c := lower(a.name[k])
			n := uint64(freq[c])
			if u := upper(c); u != c {
				n += uint64(freq[u])
			}
			if n < bestN {
				best, bestN = k, n
			}
		}
		a.k, a.c = best, lower(a.name[best])
	}
}

// sample counts bytes in the whole of a small file, or in 32 windows of
// 1 KiB spread over a big one: enough to tell common bytes from rare ones.
func sample(data []byte, freq *[256]uint32) {
	const whole, windows, width = 32 << 10, 32, 1 << 10
	if len(data) <= whole {
		for _, c := range data {
			freq[c]++
		}
		return
	}
	step := (len(data) - width) / (windows - 1)
	for i := 0; i < windows; i++ {
		for _, c := range data[i*step : i*step+width] {
			freq[c]++
		}
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// foldEqual compares ASCII case-insensitively, as the resolver compares
// host names; Unicode folding would let "K" (Kelvin sign) match "k".
func foldEqual[T string | []byte](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}
