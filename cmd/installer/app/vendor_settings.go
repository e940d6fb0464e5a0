package app

// SECURITY: part of what root runs: these checks keep a malformed
// admin-settings.json, a wrong organization name or a proxy password
// nobody was told about from reaching every Mac of a fleet.

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/adminsettings"
)

// maxAdminSettingsFile bounds --admin-settings=@FILE.
const maxAdminSettingsFile = 1 << 20

// settings reads the vendor flags and their dependencies (SPEC.md §4 step
// 8). Warnings (unknown admin-settings keys, proxy passwords, Docker's
// single-quoted form) travel in Settings.Warnings for the run to log.
func settings(in inputs) (install.Settings, error) {
	_, license, _ := in.tri("accept-license")
	s := install.Settings{
		AcceptLicense:            license,
		AllowedOrgs:              in.list("allowed-org"),
		AdminSettings:            in.str("admin-settings"),
		ProxyHTTPMode:            in.str("proxy-http-mode"),
		OverrideProxyHTTP:        in.str("override-proxy-http"),
		OverrideProxyHTTPS:       in.str("override-proxy-https"),
		OverrideProxyExclude:     in.str("override-proxy-exclude"),
		OverrideProxyPAC:         in.str("override-proxy-pac"),
		OverrideProxyEmbeddedPAC: in.str("override-proxy-embedded-pac"),
	}
	for _, org := range s.AllowedOrgs {
		if err := checkOrg(org); err != nil {
			return s, install.Errorf(install.KindUsage, "%s", err.Error()+sourceNote(in, "allowed-org"))
		}
	}
	if s.AdminSettings != "" {
		if len(s.AllowedOrgs) == 0 {
			return s, install.Errorf(install.KindUsage, "--admin-settings needs --allowed-org: Docker applies admin settings only to users signed in to an allowed organization")
		}
		text, err := adminSettingsText(in)
		if err != nil {
			return s, err
		}
		checked, err := adminsettings.Check(text)
		if err != nil {
			return s, install.Errorf(install.KindUsage, "--admin-settings%s: %s", sourceNote(in, "admin-settings"), strings.TrimPrefix(err.Error(), "admin settings: "))
		}
		s.AdminSettings = checked.JSON
		s.Warnings = append(s.Warnings, checked.Warnings...)
	}
	switch s.ProxyHTTPMode {
	case "", "system", "manual":
	default:
		return s, install.Errorf(install.KindUsage, "--proxy-http-mode %q: must be system or manual", s.ProxyHTTPMode)
	}
	for _, f := range []string{"override-proxy-http", "override-proxy-https", "override-proxy-exclude", "override-proxy-pac", "override-proxy-embedded-pac"} {
		if in.str(f) != "" && s.ProxyHTTPMode != "manual" {
			return s, install.Errorf(install.KindUsage, "--%s needs --proxy-http-mode=manual", f)
		}
	}
	for _, f := range []string{"override-proxy-http", "override-proxy-https", "override-proxy-pac"} {
		if adminsettings.HasPassword(in.str(f)) {
			s.Warnings = append(s.Warnings, fmt.Sprintf("--%s holds a password: the settings file install-settings.json (and the profile) is readable by every local user; prefer a proxy that authenticates otherwise, or a PAC file", f))
		}
	}
	return s, nil
}

// sourceNote names where a setting came from when it was not the command
// line, for errors: " (AllowedOrgs from /Library/Managed Preferences/…)".
func sourceNote(in inputs, flag string) string {
	src := in.source(flag)
	if src == "command line" || src == "default" {
		return ""
	}
	return " (from " + src + ")"
}

// checkOrg applies Docker's rule for organization names: lowercase
// letters, digits, - and _ (its sign-in enforcement silently fails
// otherwise); an uppercase name gets its lowercase form suggested.
func checkOrg(org string) error {
	valid := func(s string) bool {
		if s == "" {
			return false
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
		return true
	}
	switch low := strings.ToLower(org); {
	case valid(org):
		return nil
	case valid(low):
		return fmt.Errorf("--allowed-org %q: Docker organization names are lowercase; use --allowed-org=%s", org, low)
	}
	return fmt.Errorf("--allowed-org %q: not an organization name: Docker's are lowercase letters, digits, - and _", org)
}

// adminSettingsText is the admin settings as given, with @FILE (from the
// command line only) read from the file.
func adminSettingsText(in inputs) (string, error) {
	v := in.str("admin-settings")
	if !strings.HasPrefix(v, "@") || in.source("admin-settings") != "command line" {
		return v, nil
	}
	name := strings.TrimPrefix(v, "@")
	if name == "" {
		return "", install.Errorf(install.KindUsage, "--admin-settings=@: name the file, as --admin-settings=@admin-settings.json")
	}
	f, err := os.Open(name)
	if err != nil {
		return "", install.Errorf(install.KindUsage, "--admin-settings=@%s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAdminSettingsFile+1))
	if err != nil {
		return "", install.Errorf(install.KindUsage, "--admin-settings=@%s: %w", name, err)
	}
	if len(data) > maxAdminSettingsFile {
		return "", install.Errorf(install.KindUsage, "--admin-settings=@%s is larger than %d KiB; this is not an admin-settings.json", name, maxAdminSettingsFile>>10)
	}
	return string(data), nil
}
