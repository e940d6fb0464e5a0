package mdm

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Component is one part of an install that `status` checks.
type Component struct {
	Name   string // short id, e.g. "links", "hosts"
	OK     bool
	Detail string // what was found, for people
}

// State is the verdict of `status` on the whole machine.
type State int

const (
	Healthy      State = iota // matches the profile
	Drift                     // installed, but some component differs from the profile
	NotInstalled              // no profile
)

func (s State) String() string {
	switch s {
	case Healthy:
		return "healthy"
	case Drift:
		return "drift"
	case NotInstalled:
		return "not installed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// MaxInventoryLine bounds the jamf and intune lines: Intune keeps at most
// 20 KB of a custom attribute script's output, and a drift list never
// needs more.
const MaxInventoryLine = 20 << 10

// FormatText is `status` for people: one line per component, name, ok or
// DRIFT, and the detail; one line naming the state when there are none.
func FormatText(st State, comps []Component) string {
	if len(comps) == 0 {
		return st.String() + "\n"
	}
	width := 0
	for _, c := range comps {
		width = max(width, utf8.RuneCountInString(oneLine(c.Name)))
	}
	var b strings.Builder
	for _, c := range comps {
		verdict := "ok"
		if !c.OK {
			verdict = "DRIFT"
		}
		name := oneLine(c.Name)
		line := name + strings.Repeat(" ", width-utf8.RuneCountInString(name)) + "  " + fmt.Sprintf("%-5s", verdict) + "  " + oneLine(c.Detail)
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// FormatJamf is the one line a Jamf Pro Extension Attribute records:
// <result>healthy</result>, <result>drift: links, hosts</result> (the
// components that differ) or <result>not installed</result>. Smart groups
// can match on "healthy", or "drift" as a prefix.
func FormatJamf(st State, comps []Component) string {
	const open, closing = "<result>", "</result>"
	s := summary(st, comps, MaxInventoryLine-len(open)-len(closing)-1)
	s = strings.NewReplacer("<", "", ">", "").Replace(s) // nothing may end the element early
	return open + s + closing + "\n"
}

// FormatIntune is the one line an Intune custom attribute records, the
// Jamf line without its tags.
func FormatIntune(st State, comps []Component) string {
	return summary(st, comps, MaxInventoryLine-1) + "\n"
}

// ExitCode is the exit code of `status` in a format. For people and
// programs (text, json, or "") the state is the code: 0 healthy, 10
// drift, 11 not installed. For inventories (jamf, intune) it is always 0:
// Intune drops the output of a script that fails, and a Jamf Extension
// Attribute should record the state, not an error.
func ExitCode(format string, st State) int {
	switch format {
	case "jamf", "intune":
		return 0
	}
	switch st {
	case Healthy:
		return 0
	case Drift:
		return 10
	case NotInstalled:
		return 11
	}
	return 1
}

// summary is the state, with the differing components for drift, on one
// line of at most limit bytes.
func summary(st State, comps []Component, limit int) string {
	if st != Drift {
		return st.String()
	}
	var names []string
	for _, c := range comps {
		if !c.OK {
			names = append(names, oneLine(c.Name))
		}
	}
	if len(names) == 0 {
		return "drift"
	}
	s := "drift: " + strings.Join(names, ", ")
	if len(s) <= limit {
		return s
	}
	const more = "…"
	cut := limit - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// oneLine turns every control character (newlines, tabs) into a space, so
// a component's text cannot break the one-line formats.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}
