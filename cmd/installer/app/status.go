package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/mdm"
)

func statusCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "compare the machine with its profile (any user)",
		UsageText: "installer status [--format=text|json|jamf|intune] [--root DIR]",
		Flags: withGlobals(&cli.StringFlag{Name: "format", Value: "text",
			Usage: "text, json, jamf (one <result> line for an Extension Attribute) or intune (one line)"}),
		Action: func(c *cli.Context) error { return runStatus(c, deps) },
	}
}

func runStatus(c *cli.Context, deps Deps) error {
	format, err := oneOf(str(c, "format"), "format", "text", "json", "jamf", "intune")
	if err != nil {
		return err
	}
	if boolean(c, "json") {
		format = "json"
	}
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	rep, err := userModeStatus(c, deps, d) // after `installer setup` alone
	var s *session
	if rep == nil && err == nil {
		if s, err = newSession(c, deps, d, true); err != nil {
			return err
		}
		defer s.close()
		rep, err = install.Status(s.env, d)
	}
	if err != nil {
		if format == "jamf" || format == "intune" {
			// The inventory records the value; the exit code would make
			// Intune drop it.
			fmt.Fprintln(deps.Stdout, wrapInventory(format, "error: "+oneLine(err.Error())))
			return nil
		}
		return err
	}
	if rep.Installed && rep.PrivilegedPorts && s != nil && s.env.Live {
		// Live, the helper must also answer.
		cl, err := helperClient(c)
		if err == nil {
			cl.Timeout = 2 * time.Second
			if _, verr := cl.Version(c.Context); verr != nil {
				rep.MarkDrift("helper", "vmnetd does not answer: "+oneLine(verr.Error()))
			}
		}
	}
	kind := statusKind(rep)
	switch format {
	case "json":
		obj := withMeta(statusObject(rep), c, rep.User)
		obj["ok"], obj["command"], obj["changed"], obj["steps"] = kind == install.KindOK, "status", false, []jsonStep{}
		if err := writeJSON(deps.Stdout, obj); err != nil {
			return err
		}
	case "jamf", "intune":
		fmt.Fprint(deps.Stdout, inventoryLine(format, rep, kind)) // the line ends in its one newline
		return nil
	default:
		printStatus(deps, rep, kind)
	}
	if kind == install.KindOK {
		return nil
	}
	return &install.Error{Kind: kind, Err: errReportedMark{}}
}

// statusKind is the exit code a report stands for: healthy, drift, or
// not installed.
func statusKind(rep *install.StatusReport) install.Kind {
	switch {
	case !rep.Installed:
		return install.KindNotInstalled
	case !rep.Healthy():
		return install.KindDrift
	}
	return install.KindOK
}

func stateWord(k install.Kind) string {
	switch k {
	case install.KindNotInstalled:
		return "not installed"
	case install.KindDrift:
		return "drift"
	}
	return "healthy"
}

// inventoryLine is the one line Jamf or Intune records (mdm formats it).
func inventoryLine(format string, rep *install.StatusReport, kind install.Kind) string {
	st := mdm.Healthy
	switch kind {
	case install.KindNotInstalled:
		st = mdm.NotInstalled
	case install.KindDrift:
		st = mdm.Drift
	}
	comps := make([]mdm.Component, len(rep.Components))
	for i, c := range rep.Components {
		comps[i] = mdm.Component{Name: c.Name, OK: c.OK, Detail: c.Detail}
	}
	if format == "jamf" {
		return mdm.FormatJamf(st, comps)
	}
	return mdm.FormatIntune(st, comps)
}

func wrapInventory(format, s string) string {
	if format == "jamf" {
		return "<result>" + s + "</result>"
	}
	return s
}

func printStatus(deps Deps, rep *install.StatusReport, kind install.Kind) {
	w := deps.Stdout
	if !rep.Installed {
		fmt.Fprintln(w, "not installed")
		return
	}
	mode := ""
	if rep.Mode == "user" {
		mode = ": user mode (no admin)"
	}
	fmt.Fprintf(w, "%s (user %s)%s\n", stateWord(kind), rep.User, mode)
	if rep.AppVersion != "" {
		fmt.Fprintf(w, "app: version %s\n", rep.AppVersion)
	}
	for _, c := range rep.Components {
		switch {
		case c.OK:
			fmt.Fprintf(w, "ok     %s\n", c.Name)
		case c.Detail != "":
			fmt.Fprintf(w, "drift  %s: %s\n", c.Name, c.Detail)
		default:
			fmt.Fprintf(w, "drift  %s: %s\n", c.Name, strings.Join(c.Drift, "; "))
		}
	}
	if rep.FirstLaunch != nil {
		fmt.Fprintln(w, rep.FirstLaunch.String())
	}
	if rep.Offline {
		fmt.Fprintln(w, "offline: installed, not running (launchd starts the jobs at the image's next boot)")
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
