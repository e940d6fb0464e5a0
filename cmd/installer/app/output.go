package app

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/macfleet/installer/install"
)

// stepIDs are the steps each command reports, in order.
var stepIDs = map[string][]string{
	"install":   {"old-helper", "links", "path", "socket", "hosts", "settings", "profile"},
	"uninstall": {"profile", "settings", "hosts", "socket", "path", "links"},
}

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
	OK       bool       `json:"ok"`
	ExitCode int        `json:"exitCode"`
	Changed  bool       `json:"changed"`
	Command  string     `json:"command"`
	DryRun   bool       `json:"dryRun,omitempty"`
	Steps    []jsonStep `json:"steps"`
	Notes    []string   `json:"notes,omitempty"`
	Error    *jsonError `json:"error,omitempty"`
}

func jsonResult(command string, opts install.Options, res *install.Result, err error) jsonOut {
	out := jsonOut{OK: err == nil, ExitCode: install.KindOf(err).ExitCode(), Command: command, DryRun: opts.DryRun, Steps: []jsonStep{}}
	if err != nil {
		out.Error = &jsonError{Code: install.KindOf(err).String(), Message: oneLine(err.Error())}
	}
	if res == nil {
		return out
	}
	out.Changed = res.Changed() && !opts.DryRun
	out.Notes = res.Notes
	for _, id := range stepIDs[command] {
		st := jsonStep{ID: id, Action: "unchanged", Paths: []string{}}
		for _, op := range res.Ops {
			if op.Step != id {
				continue
			}
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
	return enc.Encode(v)
}

// printPlan lists every privileged operation, one per line.
func printPlan(w io.Writer, command string, opts install.Options, res *install.Result, sources []string) {
	for _, src := range sources {
		fmt.Fprintf(w, "setting: %s\n", src)
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
