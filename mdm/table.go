package mdm

import "slices"

// Setting is one install setting (docs/contract.md §4, §11): the single table from
// which the install flags, the managed-preferences decoding, `plan`'s
// provenance, `mdm profile`, `mdm script` and `mdm schema` are all made,
// so a setting added here appears everywhere.
type Setting struct {
	Title   string   // a few words for a console's form, e.g. "Kubernetes name"
	Flag    string   // the install flag, without dashes, e.g. "kubernetes"
	Aliases []string // short flag names, e.g. "u"
	Key     string   // the managed-preferences key, e.g. "Kubernetes"; "" when the setting is a flag only
	Type    Type
	// Default is the value a run takes when neither the command line nor
	// a managed preference gives one: a string, a bool, or nil (none: the
	// setting is left out).
	Default any
	Values  []string // the words an enumerated string accepts; nil when free text
	Help    string   // one line, for the flag's usage and the schemas
	// NoFlag is the help of the --no-<flag> form of a boolean; "" when it
	// has none. Every boolean setting with a managed-preferences key has
	// one, so the command line can beat a managed true.
	NoFlag string
	// Link is a page that says more, for the schemas.
	Link string
}

// Docker's pages the vendor settings come from.
const (
	linkSignIn   = "https://docs.docker.com/enterprise/security/enforce-sign-in/methods/"
	linkAdmin    = "https://docs.docker.com/enterprise/security/hardened-desktop/settings-management/configure-json-file/"
	linkInstall  = "https://docs.docker.com/desktop/setup/install/mac-install/#installer-flags"
	linkPermsMac = "https://docs.docker.com/desktop/setup/install/mac-permission-requirements/"
)

// settingsTable is in the order the flags are listed and the keys
// documented.
var settingsTable = []Setting{
	{Title: "User", Flag: "user", Aliases: []string{"u"}, Key: "User", Type: TypeString,
		Help: "the one user the app will run as, or @console for whoever is logged in", Link: linkPermsMac},
	{Title: "CLI location", Flag: "cli-location", Key: "CLILocation", Type: TypeString, Default: "system", Values: []string{"system", "user"},
		Help: "where CLI links go: system (/usr/local/bin) or user (~/.docker/bin)", Link: linkPermsMac},
	{Title: "PATH edit", Flag: "path-edit", Key: "PathEdit", Type: TypeString, Default: "paths.d", Values: []string{"paths.d", "shell", "none"},
		Help: "how the user location gets on PATH: paths.d, shell or none"},
	{Title: "Docker socket", Flag: "docker-socket", Key: "DockerSocket", Type: TypeBoolean, Default: true,
		Help: "link the socket path to the user's socket, recreated at boot (default)", NoFlag: "remove the socket link and its boot task", Link: linkPermsMac},
	{Title: "Privileged ports", Flag: "privileged-ports", Key: "PrivilegedPorts", Type: TypeBoolean, Default: false,
		Help: "install the vmnetd helper that binds ports below 1024 for the user", NoFlag: "remove the vmnetd helper (default)", Link: linkPermsMac},
	{Title: "Kubernetes name", Flag: "kubernetes", Key: "Kubernetes", Type: TypeBoolean, Default: false,
		Help: "map the kubernetes name to 127.0.0.1 in /etc/hosts", NoFlag: "remove the kubernetes name mapping (default)"},
	{Title: "App settings", Flag: "app-settings", Key: "AppSettings", Type: TypeBoolean, Default: true,
		Help:   "make the app's own per-user settings agree with this install, so its first launch asks no admin password (default)",
		NoFlag: "leave the app's own settings files in the user's home alone", Link: linkPermsMac},
	{Title: "Accept license", Flag: "accept-license", Key: "AcceptLicense", Type: TypeBoolean, Default: false,
		Help: "accept the vendor's license on the user's behalf", NoFlag: "leave the license for the user to accept (default)", Link: linkInstall},
	{Title: "Allowed organizations", Flag: "allowed-org", Key: "AllowedOrgs", Type: TypeStringArray,
		Help: "Docker organization users must sign in to, lowercase (repeatable) -> registry.json and desktop.plist", Link: linkSignIn},
	{Title: "Admin settings", Flag: "admin-settings", Key: "AdminSettings", Type: TypeString,
		Help: "Docker's admin-settings.json, as JSON text or @FILE (needs --allowed-org); in managed preferences a string or a dictionary", Link: linkAdmin},
	{Title: "Proxy mode", Flag: "proxy-http-mode", Key: "ProxyHTTPMode", Type: TypeString, Values: []string{"system", "manual"},
		Help: "system or manual", Link: linkInstall},
	{Title: "HTTP proxy", Flag: "override-proxy-http", Key: "OverrideProxyHTTP", Type: TypeString,
		Help: "HTTP proxy URL (needs --proxy-http-mode=manual)", Link: linkInstall},
	{Title: "HTTPS proxy", Flag: "override-proxy-https", Key: "OverrideProxyHTTPS", Type: TypeString,
		Help: "HTTPS proxy URL (needs --proxy-http-mode=manual)", Link: linkInstall},
	{Title: "Proxy bypass", Flag: "override-proxy-exclude", Key: "OverrideProxyExclude", Type: TypeString,
		Help: "hosts that bypass the proxy, comma-separated (needs --proxy-http-mode=manual)", Link: linkInstall},
	{Title: "PAC file URL", Flag: "override-proxy-pac", Key: "OverrideProxyPAC", Type: TypeString,
		Help: "PAC file URL (needs --proxy-http-mode=manual)", Link: linkInstall},
	{Title: "Embedded PAC script", Flag: "override-proxy-embedded-pac", Key: "OverrideProxyEmbeddedPAC", Type: TypeString,
		Help: "PAC script (needs --proxy-http-mode=manual)", Link: linkInstall},
	{Title: "Policy key", Flag: "policy-key", Key: "PolicyKey", Type: TypeString,
		Help: "base64 ed25519 public key that may sign registry access policies"},
	{Title: "Helper binary", Flag: "helper-binary", Type: TypeString,
		Help: "vmnetd to install (default: the app's, else the one beside the installer)"},
	{Title: "Force", Flag: "force", Type: TypeBoolean,
		Help: "re-lock a machine set up for another user"},
	{Title: "Dry run", Flag: "dry-run", Type: TypeBoolean,
		Help: "print the plan and change nothing"},
}

// Settings is the settings table, in a stable order; the caller may keep
// the copy.
func Settings() []Setting {
	out := slices.Clone(settingsTable)
	for i := range out {
		out[i].Aliases = slices.Clone(out[i].Aliases)
		out[i].Values = slices.Clone(out[i].Values)
	}
	return out
}

// SettingFor is the row of an install flag (without dashes; a --no- form
// gives its boolean's row).
func SettingFor(flag string) (Setting, bool) {
	for _, s := range Settings() {
		if s.Flag == flag || (s.NoFlag != "" && "no-"+s.Flag == flag) {
			return s, true
		}
		if slices.Contains(s.Aliases, flag) {
			return s, true
		}
	}
	return Setting{}, false
}
