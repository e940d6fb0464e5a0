package appsettings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// The JSON files the installer edits in a user's home (the docker CLI's
// config.json, the app's settings store) hold far more than the members
// we set: registry credentials, proxy settings, keys of versions we do not
// know. They are edited here as bytes, one top-level member at a time, so
// every other byte stays as it was and removing what we inserted gives the
// original file back exactly. Pure: bytes in, bytes out.

// member is one member of the top-level object, as byte offsets.
type member struct {
	key              string
	keyStart, keyEnd int // the quoted key
	valStart, valEnd int // the raw value
}

// Object is the layout of a top-level JSON object.
type Object struct {
	open, close int // offsets of '{' and '}'
	members     []member
}

// Parse lays out data, which must be one JSON object.
func Parse(data []byte) (*Object, error) {
	if !json.Valid(data) {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		return nil, errors.New("not valid JSON")
	}
	i := skipWS(data, 0)
	if data[i] != '{' {
		return nil, fmt.Errorf("the top level is not an object but starts with %q", data[i])
	}
	obj := &Object{open: i}
	i++
	for {
		i = skipWS(data, i)
		switch data[i] {
		case '}':
			obj.close = i
			return obj, nil
		case ',':
			i = skipWS(data, i+1)
		}
		m := member{keyStart: i, keyEnd: skipString(data, i)}
		if err := json.Unmarshal(data[m.keyStart:m.keyEnd], &m.key); err != nil {
			return nil, err
		}
		i = skipWS(data, m.keyEnd) + 1 // past ':'
		m.valStart = skipWS(data, i)
		m.valEnd = skipValue(data, m.valStart)
		obj.members = append(obj.members, m)
		i = m.valEnd
	}
}

// Get returns the raw value of the last member named key (the one
// decoders keep).
func (o *Object) Get(data []byte, key string) ([]byte, bool) {
	if i := o.index(key); i >= 0 {
		m := o.members[i]
		return data[m.valStart:m.valEnd], true
	}
	return nil, false
}

// Len is the number of members.
func (o *Object) Len() int { return len(o.members) }

// Keys are the members' keys, in order.
func (o *Object) Keys() []string {
	out := make([]string, len(o.members))
	for i, m := range o.members {
		out[i] = m.key
	}
	return out
}

func (o *Object) index(key string) int {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			return i
		}
	}
	return -1
}

// Set returns data with key set to the raw JSON value: replaced in
// place when present, else appended after the last member with the
// separators the file already uses. An empty object gets the layout the
// docker CLI writes (tab-indented).
func Set(data []byte, o *Object, key string, raw []byte) []byte {
	qk, _ := json.Marshal(key)
	if i := o.index(key); i >= 0 {
		return splice(data, o.members[i].valStart, o.members[i].valEnd, raw)
	}
	if len(o.members) == 0 {
		// Inserted right after the brace, so that the object's own inner
		// whitespace stays and Remove gives it back exactly.
		return splice(data, o.open+1, o.open+1, Concat([]byte("\n\t"), qk, []byte(": "), raw, []byte("\n")))
	}
	first, last := o.members[0], o.members[len(o.members)-1]
	ws := data[o.open+1 : first.keyStart]
	sep := data[first.keyEnd:first.valStart]
	return splice(data, last.valEnd, last.valEnd, Concat([]byte(","), ws, qk, sep, raw))
}

// Remove returns data without the last member named key, taking the
// separator before it (or, for the first member, the one after it) along,
// so that it undoes Set's insertion byte for byte.
func Remove(data []byte, o *Object, key string) []byte {
	i := o.index(key)
	switch {
	case i < 0:
		return data
	case i > 0:
		return splice(data, o.members[i-1].valEnd, o.members[i].valEnd, nil)
	case len(o.members) > 1:
		return splice(data, o.members[0].keyStart, o.members[1].keyStart, nil)
	default:
		// The only member: with the line break and indent Set put around
		// it, so that the object's own inner whitespace is what remains.
		from, to := o.members[0].keyStart, o.members[0].valEnd
		if bytes.HasSuffix(data[o.open+1:from], []byte("\n\t")) {
			from -= 2
		}
		if bytes.HasPrefix(data[to:], []byte("\n")) {
			to++
		}
		return splice(data, from, to, nil)
	}
}

func splice(data []byte, from, to int, with []byte) []byte {
	out := make([]byte, 0, len(data)-(to-from)+len(with))
	out = append(out, data[:from]...)
	out = append(out, with...)
	return append(out, data[to:]...)
}

// Concat joins byte slices.
func Concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// The scanners below run only on data json.Valid accepted.

func skipWS(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just past the string starting at i.
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the offset just past the value starting at i.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = skipString(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default:
		for i < len(data) && !isDelim(data[i]) {
			i++
		}
		return i
	}
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// IsString reports whether raw is the JSON string s.
func IsString(raw []byte, s string) bool {
	var v string
	return json.Unmarshal(raw, &v) == nil && v == s
}
