package mdm

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// JamfCall is one Jamf Pro script run, as `installer jamf "$@"` receives it.
type JamfCall struct {
	Root     string   // $1, the target volume's mount point: "/" unless Jamf acts on another volume
	Computer string   // $2, for the log only
	User     string   // $3, the logged-in user; empty at a recurring check-in or startup
	Flags    []string // install flags from $4–$11, plus --user=$3 when they name no user
}

// jamfMaxParam is the length Jamf Pro's policy UI allows for a script
// parameter; a longer one did not come from Jamf.
const jamfMaxParam = 255

// JamfArgs reads Jamf's positional form: args are $1..$11 without the
// program name, as Jamf runs every policy script:
//
//	script MOUNT COMPUTER USER P4 … P11
//
// Empty parameters are skipped: Jamf always passes all eight, blank when
// the policy leaves them so. Each of P4–P11 holds one flag or several:
//
//   - a new flag starts at the beginning of the parameter and after any
//     whitespace followed by "-" and a letter, or by "--"; so
//     "--kubernetes --allowed-org=acme" is two flags;
//   - a flag written --name=value keeps its value verbatim, spaces and
//     quotes included, so JSON (--admin-settings={"a": 1}), proxy lists
//     and paths with spaces survive;
//   - a flag written --name value becomes two arguments, as in a shell.
//
// Quotes are not interpreted: Jamf passes the text exactly as typed in the
// policy, and removing quotes would silently change a JSON value. A
// parameter that does not start with "-" is an error, as is --root:
// the target volume is $1.
//
// When no --user appears in P4–P11 and $3 is not empty, --user=$3 is
// added. When $3 is empty too (recurring check-in), User is "" and the
// caller falls back to the User managed preference or @console.
func JamfArgs(args []string) (JamfCall, error) {
	if len(args) < 3 {
		return JamfCall{}, fmt.Errorf(`installer jamf takes the arguments Jamf Pro passes to a policy script, MOUNT COMPUTER USER [P4 … P11], and got %d; in a Jamf script run: installer jamf "$@"`, len(args))
	}
	if len(args) > 11 {
		return JamfCall{}, fmt.Errorf(`installer jamf takes at most 11 arguments (Jamf's $1–$11), got %d; put each flag in one of parameters 4–11`, len(args))
	}
	c := JamfCall{Root: args[0], Computer: args[1], User: args[2]}
	if c.Root == "" {
		c.Root = "/"
	}
	if !path.IsAbs(c.Root) {
		return JamfCall{}, fmt.Errorf("jamf parameter 1, the target mount point, must be an absolute path, got %q", c.Root)
	}
	hasUser := false
	for i, p := range args[3:] {
		n := i + 4
		if utf8.RuneCountInString(p) > jamfMaxParam {
			return JamfCall{}, fmt.Errorf("jamf parameter %d is longer than %d characters", n, jamfMaxParam)
		}
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if p[0] != '-' && isFlagName(p) {
			return JamfCall{}, fmt.Errorf("jamf parameter %d (%q) is not a flag; did you mean --%s?", n, p, p)
		}
		if p[0] != '-' {
			return JamfCall{}, fmt.Errorf("jamf parameter %d (%q) is not a flag: write it as --name or --name=value, e.g. --user=%s", n, p, p)
		}
		for _, f := range splitFlags(p) {
			if f == "-" || f == "--" {
				return JamfCall{}, fmt.Errorf("jamf parameter %d holds a bare %q, which would end the flags", n, f)
			}
			switch flagName(f) {
			case "user", "u":
				hasUser = true
			case "root":
				return JamfCall{}, fmt.Errorf("jamf parameter %d sets --root; the target volume is Jamf's parameter 1", n)
			}
			c.Flags = append(c.Flags, f)
		}
	}
	if !hasUser && c.User != "" {
		c.Flags = append(c.Flags, "--user="+c.User)
	}
	return c, nil
}

// splitFlags splits one parameter into arguments by the rules JamfArgs
// documents. p starts with "-" and has no surrounding space.
func splitFlags(p string) []string {
	var out []string
	for _, seg := range splitAtFlagStarts(p) {
		if name, _, ok := strings.Cut(seg, "="); ok && !strings.ContainsFunc(name, unicode.IsSpace) {
			out = append(out, seg) // --name=value: verbatim
			continue
		}
		out = append(out, strings.Fields(seg)...) // --name [value]
	}
	return out
}

// splitAtFlagStarts cuts p before every run of whitespace followed by
// "-" and a letter, or by "--".
func splitAtFlagStarts(p string) []string {
	var segs []string
	start := 0
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		if !unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i
		for j < len(p) {
			r, size := utf8.DecodeRuneInString(p[j:])
			if !unicode.IsSpace(r) {
				break
			}
			j += size
		}
		if startsFlag(p[j:]) {
			segs = append(segs, p[start:i])
			start = j
		}
		i = j
	}
	return append(segs, p[start:])
}

func startsFlag(s string) bool {
	if strings.HasPrefix(s, "--") {
		return true
	}
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[1:])
	return unicode.IsLetter(r)
}

// flagName is the name of a flag argument, without dashes or value; ""
// for a value.
func flagName(arg string) string {
	if !strings.HasPrefix(arg, "-") {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return name
}

// isFlagName reports whether word is the name of an install flag (or its
// --no- form), written without the dashes.
func isFlagName(word string) bool {
	for _, k := range Keys() {
		if word == k.Flag || word == "no-"+k.Flag {
			return word != "user"
		}
	}
	return false
}
