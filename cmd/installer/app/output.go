package app

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
)

type jsonStep struct {
	ID     string       `json:"id"`
	Action string       `json:"action"` // unchanged, changed, planned
	Paths  []string     `json:"paths"`
	Ops    []install.Op `json:"ops,omitempty"`
}

type jsonError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type jsonOut struct {
	OK       bool   `json:"ok"`
	ExitCode int    `json:"exitCode"`
	Changed  bool   `json:"changed"`
	Command  string `json:"command"`
	Version  string `json:"version"`
	Product  string `json:"product"`
	User     string `json:"user"`
	Root     string `json:"root"`
	DryRun   bool   `json:"dryRun,omitempty"`
	// AppVersion is the app's version the run saw (install and plan).
	AppVersion string     `json:"appVersion,omitempty"`
	Steps      []jsonStep `json:"steps"`
	Notes      []string   `json:"notes,omitempty"`
	Warnings   []string   `json:"warnings,omitempty"`
	Error      *jsonError `json:"error,omitempty"`
}

func jsonResult(command string, opts install.Options, res *install.Result, err error) jsonOut {
	out := jsonOut{OK: err == nil, ExitCode: install.KindOf(err).ExitCode(), Command: command, DryRun: opts.DryRun, Steps: []jsonStep{},
		Version: Version, Product: opts.Product.Name, User: opts.User}
	if err != nil {
		out.Error = &jsonError{Code: install.KindOf(err).String(), Message: oneLine(err.Error())}
	}
	if res == nil {
		return out
	}
	out.Changed = res.Changed() && !opts.DryRun
	out.Notes = res.Notes
	out.Warnings = res.Warnings
	out.AppVersion = res.AppVersion
	// The steps and their order are install's step table for the command.
	for _, group := range install.GroupByStep(command, res.Ops) {
		st := jsonStep{ID: group.ID, Action: "unchanged", Paths: []string{}}
		for _, op := range group.Ops {
			st.Action = "changed"
			if opts.DryRun {
				st.Action = "planned"
			}
			st.Paths = append(st.Paths, op.Path)
			st.Ops = append(st.Ops, op)
		}
		out.Steps = append(out.Steps, st)
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printPlan lists every privileged operation, one per line.
func printPlan(w io.Writer, command string, opts install.Options, res *install.Result, sources []string) {
	for _, src := range sources {
		fmt.Fprintf(w, "setting: %s\n", src)
	}
	if res.AppVersion != "" {
		fmt.Fprintf(w, "app: %s version %s\n", opts.Product.AppBundle, res.AppVersion)
	}
	if !res.Changed() {
		fmt.Fprintf(w, "%s: nothing to change\n", command)
	} else {
		who := ""
		if opts.User != "" {
			who = " for " + opts.User
		}
		fmt.Fprintf(w, "%s%s: %d operation(s)\n", command, who, len(res.Ops))
		for _, op := range res.Ops {
			fmt.Fprintf(w, "  %-8s %s\n", op.Step, op)
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// wantsJSON reports whether --json is among args (before a "--"), in any
// of the forms the flag parser takes; Jamf parameters may hold several
// flags in one word.
func wantsJSON(args []string) bool {
	for _, a := range args[min(1, len(args)):] {
		if a == "--" {
			return false
		}
		for _, w := range strings.Fields(a) {
			switch w {
			case "--json", "-json", "--json=true", "-json=true", "--json=1":
				return true
			}
		}
	}
	return false
}

// argValue is the last value given to --name in args, in any form.
func argValue(args []string, name string) string {
	v := ""
	for i := 1; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		if a == args[i] {
			continue
		}
		if k, val, ok := strings.Cut(a, "="); ok && k == name {
			v = val
		} else if a == name && i+1 < len(args) {
			v = args[i+1]
		}
	}
	return v
}

// fallbackObject is the --json result of a run that printed none itself:
// a flag error, an unknown command, a failure before any step.
func fallbackObject(args []string, err error, code int) map[string]any {
	product := argValue(args, "product")
	if product == "" {
		product = "docker"
	}
	if f := argValue(args, "product-file"); f != "" {
		product = f
	}
	root := argValue(args, "root")
	if root == "" {
		root = "/"
	}
	command := ""
	for _, a := range args[min(1, len(args)):] {
		if slices.Contains(strings.Fields("install plan uninstall status setup ports jamf mdm policy diagnose version help completion"), a) {
			command = a
			break
		}
	}
	obj := map[string]any{"ok": err == nil, "exitCode": code, "changed": false, "command": command, "steps": []jsonStep{},
		"version": Version, "product": product, "user": argValue(args, "user"), "root": root}
	if err != nil {
		obj["error"] = &jsonError{Code: install.Kind(code).String(), Message: oneLine(strings.TrimSuffix(err.Error(), "reported"))}
	}
	return obj
}

// resultObject is the --json result of a command whose output is text:
// what it printed goes in "output".
func resultObject(c *cli.Context, command string, err error) map[string]any {
	obj := map[string]any{"ok": err == nil, "exitCode": install.KindOf(err).ExitCode(), "changed": false, "command": command, "steps": []jsonStep{}}
	addMeta(obj, c, "")
	if err != nil {
		obj["error"] = &jsonError{Code: install.KindOf(err).String(), Message: oneLine(strings.TrimSuffix(err.Error(), "reported"))}
	}
	return obj
}

// addMeta puts version, product, user and root in a result object
// (docs/contract.md §13); user is the one given, if no better one is known.
func addMeta(obj map[string]any, c *cli.Context, user string) {
	obj["version"] = Version
	obj["product"] = str(c, "product")
	if d, err := loadProduct(c); err == nil {
		obj["product"] = d.Name
	}
	if user == "" && hasFlag(c.Command.Flags, "user") {
		user = str(c, "user")
	}
	obj["user"] = user
	obj["root"] = str(c, "root")
	if abs, err := filepath.Abs(str(c, "root")); err == nil {
		obj["root"] = abs
	}
}

// withMeta flattens v (a JSON object) into a map and adds the meta fields.
func withMeta(v any, c *cli.Context, user string) map[string]any {
	obj := map[string]any{}
	if b, err := json.Marshal(v); err == nil {
		_ = json.Unmarshal(b, &obj)
	}
	addMeta(obj, c, user)
	return obj
}
