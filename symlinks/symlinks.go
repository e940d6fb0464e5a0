package symlinks

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Kind says what is on disk at a name.
type Kind int

const (
	Missing Kind = iota // nothing there
	Link                // a symbolic link, whatever it points at
	Other               // a regular file, a directory, anything not a link
)

func (k Kind) String() string {
	switch k {
	case Missing:
		return "missing"
	case Link:
		return "link"
	case Other:
		return "other"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Entry is what is on disk at Dir/Name.
type Entry struct {
	Name string
	Kind Kind
	// Target is the link text, unresolved, when Kind is Link. A relative
	// text is relative to the link's directory.
	Target string
	// TargetExists reports whether the link resolves. It does not change
	// the plan (a dangling link of ours is replaced or removed like any
	// other, a dangling foreign link is still foreign); it is carried for
	// the caller's reports.
	TargetExists bool
}

// Want is a link we want: Dir/Name -> Target, an absolute path inside the
// app bundle.
type Want struct {
	Name, Target string
}

// Action is what to do with one name.
type Action int

const (
	Create  Action = iota // nothing there: make the link
	Replace               // our link, wrong text: remove it and make the wanted one
	Remove                // our link, no longer wanted
	Keep                  // our link, already right
	Foreign               // wanted name taken by something not ours: leave it, report it
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Replace:
		return "replace"
	case Remove:
		return "remove"
	case Keep:
		return "keep"
	case Foreign:
		return "foreign"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Op is the decision for one name.
type Op struct {
	Action Action
	Name   string
	// Target is the wanted link text; empty for Remove.
	Target string
	// Current is the link text there now; empty when nothing is there or
	// when it is not a link (see Kind).
	Current string
	// Kind is what is there now, so that a report can say "a regular
	// file" rather than print an empty Current.
	Kind Kind
}

// Plan compares the wanted links with the directory listing and returns one
// Op per name that matters, sorted by Name. ours reports whether a link
// text belongs to us (points into the app bundle); see Ours.
//
// Rules: a wanted name that is missing is created; a link of ours is kept
// when its text is exactly the wanted target and replaced otherwise (so a
// relative or uncleaned text is rewritten once, then kept); anything else at
// a wanted name is Foreign and never touched; a link of ours at a name that
// is not wanted is removed; everything else is not mentioned.
//
// Names that could not be a plain file name in the directory (empty, with
// a '/' or NUL, or starting with '.') are ignored on both sides, so an Op
// never reaches outside the directory or touches a dotfile. When a name is
// listed twice, the first occurrence counts.
func Plan(want []Want, have []Entry, ours func(target string) bool) []Op {
	wanted := make(map[string]string, len(want))
	for _, w := range want {
		if !validName(w.Name) {
			continue
		}
		if _, dup := wanted[w.Name]; !dup {
			wanted[w.Name] = w.Target
		}
	}
	present := make(map[string]Entry, len(have))
	for _, e := range have {
		if !validName(e.Name) || e.Kind == Missing {
			continue
		}
		if _, dup := present[e.Name]; !dup {
			present[e.Name] = e
		}
	}

	var ops []Op
	for name, target := range wanted {
		e, ok := present[name]
		switch {
		case !ok:
			ops = append(ops, Op{Action: Create, Name: name, Target: target})
		case e.Kind != Link:
			ops = append(ops, Op{Action: Foreign, Name: name, Target: target, Kind: e.Kind})
		case !ours(e.Target):
			ops = append(ops, Op{Action: Foreign, Name: name, Target: target, Current: e.Target, Kind: e.Kind})
		case e.Target == target:
			ops = append(ops, Op{Action: Keep, Name: name, Target: target, Current: e.Target, Kind: e.Kind})
		default:
			ops = append(ops, Op{Action: Replace, Name: name, Target: target, Current: e.Target, Kind: e.Kind})
		}
	}
	for name, e := range present {
		if _, ok := wanted[name]; ok {
			continue
		}
		if e.Kind == Link && ours(e.Target) {
			ops = append(ops, Op{Action: Remove, Name: name, Current: e.Target, Kind: e.Kind})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	return ops
}

// Ours returns the usual ours func for Plan: a link text, made absolute
// against dir (the directory holding the link) and cleaned, is the bundle or
// inside it. The test is lexical: it does not resolve links on the way, so
// dir and bundle must be the paths as the links spell them.
//
// A bundle that is empty or relative owns nothing, so a misconfigured caller
// can only leave links alone, never delete them.
func Ours(dir, bundle string) func(target string) bool {
	if !path.IsAbs(bundle) {
		return func(string) bool { return false }
	}
	bundle = path.Clean(bundle)
	return func(target string) bool {
		if target == "" {
			return false
		}
		if !path.IsAbs(target) {
			target = path.Join(dir, target)
		}
		target = path.Clean(target)
		if !path.IsAbs(target) {
			return false // dir was relative too: nothing to compare with
		}
		return target == bundle || bundle == "/" || strings.HasPrefix(target, bundle+"/")
	}
}

// Wanted builds one Want per executable name, target bundleCLIDir/name,
// sorted and without duplicates. Names that are not plain file names
// (empty, with a '/' or NUL) and hidden names (leading '.', such as
// .DS_Store) are skipped.
func Wanted(bundleCLIDir string, names []string) []Want {
	seen := make(map[string]bool, len(names))
	var want []Want
	for _, n := range names {
		if !validName(n) || seen[n] {
			continue
		}
		seen[n] = true
		want = append(want, Want{Name: n, Target: path.Join(bundleCLIDir, n)})
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Name < want[j].Name })
	return want
}

// validName reports whether name is a plain, visible file name.
func validName(name string) bool {
	return name != "" && !strings.HasPrefix(name, ".") && !strings.ContainsAny(name, "/\x00")
}
