package app

import (
	"errors"
	"fmt"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/mdm"
)

// ruleError words a rule install.Options.Validate found broken, naming
// where the value came from: the flag (the wording every flag error has
// always had), or the managed-preferences file and key (exit 2 either
// way, docs/contract.md §11).
func ruleError(in inputs, o install.Options, err error) error {
	var e *install.OptionError
	if !errors.As(err, &e) {
		return err
	}
	if managed(in, e.Setting) {
		return managedRuleError(in, e)
	}
	switch e.Setting + "/" + e.Other {
	case "path-edit/cli-location":
		loc := "--cli-location=system"
		if src := in.source("cli-location"); src == "default" {
			loc += " (the default)"
		} else if src != "command line" {
			loc += " (from " + src + ")"
		}
		return usagef("--path-edit=%s with %s: the system location /usr/local/bin is on PATH already and --path-edit is for --cli-location=user; pass one or the other", o.PathEdit, loc)
	case "helper-binary/privileged-ports":
		return usagef("--helper-binary without --privileged-ports: the helper is installed only with --privileged-ports; pass both, or neither%s", sourceNote(in, "privileged-ports"))
	case "admin-settings/allowed-org":
		return usagef("--admin-settings needs --allowed-org: Docker applies admin settings only to users signed in to an allowed organization")
	case "allowed-org/":
		if low, _ := mdm.CheckOrg(e.Value); low != "" {
			return usagef("--allowed-org %q: Docker organization names are lowercase; use --allowed-org=%s%s", e.Value, low, sourceNote(in, "allowed-org"))
		}
		return usagef("--allowed-org %q: not an organization name: Docker's are lowercase letters, digits, - and _%s", e.Value, sourceNote(in, "allowed-org"))
	case "policy-key/":
		return usagef("--policy-key: %s", e.Reason)
	case "proxy-http-mode/":
		return usagef("--proxy-http-mode %q: must be system or manual", e.Value)
	case "cli-location/", "path-edit/":
		return usagef("--%s %q: %s", e.Setting, e.Value, e.Reason)
	}
	if e.Other == "proxy-http-mode" {
		return usagef("--%s needs --proxy-http-mode=manual", e.Setting)
	}
	if e.Value != "" && e.Other == "" { // a proxy URL
		return usagef("--%s %q is %s", e.Setting, e.Value, e.Reason)
	}
	return usagef("--%s: %s", e.Setting, e.Reason)
}

// managed reports whether the setting's value came from a managed
// preferences file rather than the command line or the default.
func managed(in inputs, flag string) bool {
	src := in.source(flag)
	return src != "command line" && src != "default"
}

// managedRuleError names the file and the key of a managed value that
// breaks a rule, and where the other setting of a combination came from.
func managedRuleError(in inputs, e *install.OptionError) error {
	key := e.Setting
	if s, ok := mdm.SettingFor(e.Setting); ok && s.Key != "" {
		key = s.Key
	}
	msg := fmt.Sprintf("managed preferences %s: key %q", in.from[e.Setting], key)
	if e.Value != "" {
		msg += fmt.Sprintf(" (%q)", e.Value)
	}
	if e.Other != "" {
		other := "--" + e.Other
		if s, ok := mdm.SettingFor(e.Other); ok {
			switch src := in.source(e.Other); {
			case src == "default" && s.Default == nil:
				other = s.Key + " (not set)"
			case src == "default":
				other = fmt.Sprintf("%s (default %v)", s.Key, s.Default)
			case src != "command line":
				other = fmt.Sprintf("%s from %s", s.Key, src)
			}
		}
		msg += " with " + other
	}
	return usagef("%s: %s", msg, e.Reason)
}
