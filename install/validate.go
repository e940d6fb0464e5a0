package install

import (
	"fmt"

	"github.com/macfleet/installer/mdm"
)

// OptionError is a rule an option breaks. Setting (and Other, for a rule
// on a combination) are rows of the settings table (mdm/table.go), by
// flag name, so that the caller can name where the value came from: the
// flag, or the managed-preferences key and its file.
type OptionError struct {
	Setting string // e.g. "path-edit"
	Value   string // the value given, "" for a switch
	Other   string // the setting it contradicts or needs, e.g. "cli-location"
	Reason  string // the rule, naming neither flag nor key
}

func (e *OptionError) Error() string {
	msg := e.Setting
	if e.Value != "" {
		msg += fmt.Sprintf(" %q", e.Value)
	}
	if e.Other != "" {
		msg += " with " + e.Other
	}
	return msg + ": " + e.Reason
}

// Validate checks the options against every rule on their values and
// their combinations (docs/contract.md §4, §13), and gives the defaults
// to what is unset: CLILocation "system", PathEdit "paths.d". A PathEdit
// given (not "") with the system location is refused. Every entry point
// calls it — flags, managed preferences, Jamf, the mdm generators —
// before anything else uses the options. The error is an *OptionError.
func (o *Options) Validate() error {
	if o.CLILocation == "" {
		o.CLILocation = "system"
	}
	for _, v := range []struct{ flag, value string }{{"cli-location", o.CLILocation}, {"path-edit", o.PathEdit}} {
		if v.value == "" {
			continue
		}
		if err := mdm.CheckValue(v.flag, v.value); err != nil {
			return &OptionError{Setting: v.flag, Value: v.value, Reason: err.Error()}
		}
	}
	if o.PolicyKey != "" {
		if err := mdm.CheckPolicyKey(o.PolicyKey); err != nil {
			return &OptionError{Setting: "policy-key", Reason: err.Error()}
		}
	}
	if err := validateSettings(o.Settings); err != nil {
		return err
	}
	if o.PathEdit != "" && o.CLILocation == "system" {
		return &OptionError{Setting: "path-edit", Value: o.PathEdit, Other: "cli-location",
			Reason: "the system location /usr/local/bin is on PATH already; a PATH edit is for the user location"}
	}
	if o.PathEdit == "" {
		o.PathEdit = "paths.d"
	}
	if o.HelperBinary != "" && !o.PrivilegedPorts {
		return &OptionError{Setting: "helper-binary", Other: "privileged-ports",
			Reason: "the helper is installed only with privileged ports"}
	}
	for _, p := range []struct{ flag, v string }{
		{"override-proxy-http", o.Settings.OverrideProxyHTTP},
		{"override-proxy-https", o.Settings.OverrideProxyHTTPS},
		{"override-proxy-pac", o.Settings.OverrideProxyPAC},
	} {
		if p.v != "" {
			if err := mdm.CheckProxyURL(p.v); err != nil {
				return &OptionError{Setting: p.flag, Value: p.v, Reason: "not a proxy URL: " + err.Error()}
			}
		}
	}
	return nil
}

// validateSettings checks the vendor settings: organization names, what needs
// what, the proxy mode.
func validateSettings(s Settings) error {
	for _, org := range s.AllowedOrgs {
		if low, err := mdm.CheckOrg(org); err != nil {
			e := &OptionError{Setting: "allowed-org", Value: org, Reason: err.Error()}
			if low != "" {
				e.Reason += "; use " + low
			}
			return e
		}
	}
	if s.AdminSettings != "" && len(s.AllowedOrgs) == 0 {
		return &OptionError{Setting: "admin-settings", Other: "allowed-org",
			Reason: "Docker applies admin settings only to users signed in to an allowed organization"}
	}
	if s.ProxyHTTPMode != "" {
		if err := mdm.CheckValue("proxy-http-mode", s.ProxyHTTPMode); err != nil {
			return &OptionError{Setting: "proxy-http-mode", Value: s.ProxyHTTPMode, Reason: err.Error()}
		}
	}
	for _, p := range []struct{ flag, v string }{
		{"override-proxy-http", s.OverrideProxyHTTP},
		{"override-proxy-https", s.OverrideProxyHTTPS},
		{"override-proxy-exclude", s.OverrideProxyExclude},
		{"override-proxy-pac", s.OverrideProxyPAC},
		{"override-proxy-embedded-pac", s.OverrideProxyEmbeddedPAC},
	} {
		if p.v != "" && s.ProxyHTTPMode != "manual" {
			return &OptionError{Setting: p.flag, Other: "proxy-http-mode", Reason: "a proxy override needs the manual proxy mode"}
		}
	}
	return nil
}
