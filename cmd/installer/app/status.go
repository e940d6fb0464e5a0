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
			fmt.Fprint(deps.Stdout, mdm.FormatInventoryError(format, err.Error()))
			return nil
		}
		return err
	}
	if rep.Installed && rep.PrivilegedPorts && s != nil && s.env.Live {
		// Live, the helper must also answer.
		cl, err := helperClient(c)
		if err == nil {
			cl.Timeout = 2 * time.Second
			if install.AppsOwnHelper(s.env.FS, d) {
				// The app's own helper knows only the VMN3T hello.
				if _, herr := cl.Hello(c.Context); herr != nil {
					rep.MarkDrift("helper", "the app's helper does not answer: "+oneLine(herr.Error()))
				}
			} else if _, verr := cl.Version(c.Context); verr != nil {
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
		fmt.Fprint(deps.Stdout, mdm.FormatText(statusReport(rep, kind)))
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

// statusState is the state a report's exit code stands for.
func statusState(k install.Kind) mdm.State {
	switch k {
	case install.KindNotInstalled:
		return mdm.NotInstalled
	case install.KindDrift:
		return mdm.Drift
	}
	return mdm.Healthy
}

// statusReport is rep as package mdm formats it: a component's detail is
// what differs (its Detail, or its list of drifts).
func statusReport(rep *install.StatusReport, kind install.Kind) mdm.Report {
	comps := make([]mdm.Component, len(rep.Components))
	for i, c := range rep.Components {
		detail := c.Detail
		if !c.OK && detail == "" {
			detail = strings.Join(c.Drift, "; ")
		}
		comps[i] = mdm.Component{Name: c.Name, OK: c.OK, Detail: detail}
	}
	r := mdm.Report{State: statusState(kind), User: rep.User, UserMode: rep.Mode == "user",
		AppVersion: rep.AppVersion, Components: comps, Offline: rep.Offline, Notes: rep.Notes}
	if rep.FirstLaunch != nil {
		r.FirstLaunch = rep.FirstLaunch.String()
	}
	return r
}

// inventoryLine is the one line Jamf or Intune records.
func inventoryLine(format string, rep *install.StatusReport, kind install.Kind) string {
	r := statusReport(rep, kind)
	if format == "jamf" {
		return mdm.FormatJamf(r.State, r.Components)
	}
	return mdm.FormatIntune(r.State, r.Components)
}
