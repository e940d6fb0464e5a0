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

// readSettings reads the vendor flags (docs/contract.md §4 step 9) with their
// managed preferences; install.Options.Validate checks them.
func readSettings(in inputs) install.Settings {
	_, license, _ := in.tri("accept-license")
	return install.Settings{
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
}

// checkSettings reads --admin-settings=@FILE and checks the admin
// settings' structure, after Validate. Warnings (unknown admin-settings
// keys, proxy passwords, Docker's single-quoted form) travel in
// Settings.Warnings for the run to log.
func checkSettings(in inputs, s install.Settings) (install.Settings, error) {
	if s.AdminSettings != "" {
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
