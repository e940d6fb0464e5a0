package hostsfile

import "bytes"

// window bounds each bytes.IndexByte call, so that the streams advance
// together through the file while it is in cache rather than each reading
// the whole file from memory on its own.
const window = 32 << 10

// stream is the search for one byte value.
type stream struct {
	c   byte
	at  int // if hit, the next c; else there is no c in [searched from, at)
	hit bool
}

func addStream(s []stream, c byte) []stream {
	for _, t := range s {
		if t.c == c {
			return s
		}
	}
	return append(s, stream{c: c, at: -1})
}

// events merges the streams into one ordered sequence of positions.
type events struct {
	data []byte
	s    []stream
	// cur is the stream that gave the last event and bound the smallest
	// position of the others: while cur's next hit comes at or before
	// bound (two streams never hit the same byte), the others need no
	// look. With a common anchor byte that is nearly every event, so the
	// cost per event stays near one IndexByte.
	cur   int
	bound int
}

func newEvents(data []byte, s []stream) events {
	return events{data: data, s: s, cur: -1}
}

func (e *events) search(s *stream, from int) {
	to := min(from+window, len(e.data))
	if j := bytes.IndexByte(e.data[from:to], s.c); j >= 0 {
		s.at, s.hit = from+j, true
		return
	}
	s.at, s.hit = to, false
}

// merge returns the first position at or after off holding one of the
// streams' bytes, or -1, looking at every stream. pass inlines the common
// case, the stream that gave the last event hitting again before bound.
func (e *events) merge(off int) int {
	for {
		best := -1
		for i := range e.s {
			s := &e.s[i]
			if s.at < off {
				e.search(s, off)
			}
			if best < 0 || s.at < e.s[best].at || (s.at == e.s[best].at && s.hit) {
				best = i
			}
		}
		b := &e.s[best]
		if b.hit {
			e.cur, e.bound = best, len(e.data)
			for i := range e.s {
				if i != best {
					e.bound = min(e.bound, e.s[i].at)
				}
			}
			return b.at
		}
		if b.at >= len(e.data) {
			return -1
		}
		e.search(b, b.at)
	}
}
