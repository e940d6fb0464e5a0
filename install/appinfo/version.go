package appinfo

import (
	"strconv"
	"strings"
)

// Version is an app version compared as dotted numbers ("4.37.2"). The
// zero Version is "unknown": a missing or unparsable version, which counts
// as the newest (an app too new to say so behaves like the latest we know).
type Version struct {
	parts []int
	text  string
}

// ParseVersion reads a dotted version: one or more decimal numbers
// separated by dots. Anything else is the unknown version.
func ParseVersion(s string) Version {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return Version{}
	}
	fields := strings.Split(s, ".")
	parts := make([]int, len(fields))
	for i, f := range fields {
		if f == "" || len(f) > 9 || strings.TrimLeft(f, "0123456789") != "" {
			return Version{}
		}
		parts[i], _ = strconv.Atoi(f)
	}
	return Version{parts: parts, text: s}
}

// Known reports whether the version could be read.
func (v Version) Known() bool { return v.parts != nil }

// String is the version as read, or "unknown".
func (v Version) String() string {
	if !v.Known() {
		return "unknown"
	}
	return v.text
}

// Compare is -1, 0 or +1 as v is older than, the same as or newer than w;
// missing trailing numbers are zeros (4.35 = 4.35.0); an unknown version
// is newer than every known one.
func (v Version) Compare(w Version) int {
	switch {
	case !v.Known() && !w.Known():
		return 0
	case !v.Known():
		return 1
	case !w.Known():
		return -1
	}
	for i := 0; i < max(len(v.parts), len(w.parts)); i++ {
		a, b := at(v.parts, i), at(w.parts, i)
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

// After reports whether v is newer than w.
func (v Version) After(w Version) bool { return v.Compare(w) > 0 }

// AtLeast reports whether v is s or newer (s a dotted version).
func (v Version) AtLeast(s string) bool { return v.Compare(ParseVersion(s)) >= 0 }

func at(p []int, i int) int {
	if i < len(p) {
		return p[i]
	}
	return 0
}
