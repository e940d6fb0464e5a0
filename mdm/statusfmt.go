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

// Report is what `status` found, as its formats show it.
type Report struct {
	State State
	User  string
	// UserMode marks an install made by `installer setup` alone, without
	// an administrator.
	UserMode bool
	// AppVersion is the app's version as status read it ("" to leave
	// the line out).
	AppVersion string
	Components []Component
	// FirstLaunch is the first-launch verdict line ("first launch: …"),
	// "" when there is none.
	FirstLaunch string
	// Offline marks an image: installed, with nothing running yet.
	Offline bool
	Notes   []string
}

// FormatText is `status` for people: the state and the user, then one
// line per component (ok, or drift with what differs), then the notes;
// "not installed" alone when there is no install.
func FormatText(r Report) string {
	if r.State == NotInstalled {
		return "not installed\n"
	}
	var b strings.Builder
	mode := ""
	if r.UserMode {
		mode = ": user mode (no admin)"
	}
	fmt.Fprintf(&b, "%s (user %s)%s\n", r.State, r.User, mode)
	if r.AppVersion != "" {
		fmt.Fprintf(&b, "app: version %s\n", r.AppVersion)
	}
	for _, c := range r.Components {
		if c.OK {
			fmt.Fprintf(&b, "ok     %s\n", c.Name)
		} else {
			fmt.Fprintf(&b, "drift  %s: %s\n", c.Name, c.Detail)
		}
	}
	if r.FirstLaunch != "" {
		b.WriteString(r.FirstLaunch + "\n")
	}
	if r.Offline {
		b.WriteString("offline: installed, not running (launchd starts the jobs at the image's next boot)\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
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

// FormatInventoryError is the line Jamf or Intune records when status
// could not be checked: "error: " and the message on one line, in the
// Jamf tags for jamf. It is a value, not a failure: Intune drops the
// output of a script that fails.
func FormatInventoryError(format, msg string) string {
	s := "error: " + strings.Join(strings.Fields(msg), " ")
	if format == "jamf" {
		s = "<result>" + s + "</result>"
	}
	return s + "\n"
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
