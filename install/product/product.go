package product

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"howett.net/plist"

	"github.com/macfleet/installer/install/appinfo"
)

// Descriptor holds the names of docs/contract.md §2. Paths are absolute inside the
// target root; the user-relative ones (UserDir, UserSocket) are relative to
// the user's home.
type Descriptor struct {
	Name           string `plist:"Name"`
	AppBundle      string `plist:"AppBundle"`      // /Applications/Docker.app
	UserDir        string `plist:"UserDir"`        // .docker (relative to home)
	AppSupportDir  string `plist:"AppSupportDir"`  // /Library/Application Support/com.docker.docker
	HelperLabel    string `plist:"HelperLabel"`    // com.docker.vmnetd
	HelperSocket   string `plist:"HelperSocket"`   // /var/run/com.docker.vmnetd.sock
	SocketLink     string `plist:"SocketLink"`     // /var/run/docker.sock
	UserSocket     string `plist:"UserSocket"`     // .docker/run/docker.sock (relative to home)
	BootTaskLabel  string `plist:"BootTaskLabel"`  // com.docker.socket
	KubernetesName string `plist:"KubernetesName"` // kubernetes.docker.internal
	HostEnvVar     string `plist:"HostEnvVar"`     // DOCKER_HOST
	ManagedDomain  string `plist:"ManagedDomain"`  // com.docker.installer
	CLIContext     string `plist:"CLIContext"`     // desktop-linux

	// The app's own per-user view (docs/contract.md §14). Optional in a
	// --product-file: an empty container skips what lives in it, and the
	// file names and version default to Docker's (Defaults).
	AppContainer   string `plist:"AppContainer,omitempty"`   // com.docker.docker (~/Library/Containers/…)
	GroupContainer string `plist:"GroupContainer,omitempty"` // group.com.docker (~/Library/Group Containers/…)
	SettingsStore  string `plist:"SettingsStore,omitempty"`  // settings-store.json (app 4.35 and later)
	LegacySettings string `plist:"LegacySettings,omitempty"` // settings.json (app 4.34 and earlier)
	// LastOwnHelper is the last app version that ships its own helper
	// (4.88 for Docker Desktop: docs/docker-desktop.md).
	LastOwnHelper string `plist:"LastOwnHelper,omitempty"`
	// VendorTeam is the vendor's Apple signing team, for the Background
	// Task Management rule that manages the app's own helpers.
	VendorTeam string `plist:"VendorTeam,omitempty"` // 9BNSXJN65R (Docker Inc)
}

var builtin = map[string]Descriptor{
	"docker": {
		Name:           "docker",
		AppBundle:      "/Applications/Docker.app",
		UserDir:        ".docker",
		AppSupportDir:  "/Library/Application Support/com.docker.docker",
		HelperLabel:    "com.docker.vmnetd",
		HelperSocket:   "/var/run/com.docker.vmnetd.sock",
		SocketLink:     "/var/run/docker.sock",
		UserSocket:     ".docker/run/docker.sock",
		BootTaskLabel:  "com.docker.socket",
		KubernetesName: "kubernetes.docker.internal",
		HostEnvVar:     "DOCKER_HOST",
		ManagedDomain:  "com.docker.installer",
		CLIContext:     "desktop-linux",
		AppContainer:   "com.docker.docker",
		GroupContainer: "group.com.docker",
		SettingsStore:  "settings-store.json",
		LegacySettings: "settings.json",
		LastOwnHelper:  "4.88",
		VendorTeam:     "9BNSXJN65R",
	},
	"iechor": {
		Name:           "iechor",
		AppBundle:      "/Applications/iEchor.app",
		UserDir:        ".iechor",
		AppSupportDir:  "/Library/Application Support/com.iechor.iechor",
		HelperLabel:    "com.iechor.vmnetd",
		HelperSocket:   "/var/run/com.iechor.vmnetd.sock",
		SocketLink:     "/var/run/iechor.sock",
		UserSocket:     ".iechor/run/iechor.sock",
		BootTaskLabel:  "com.iechor.socket",
		KubernetesName: "kubernetes.iechor.internal",
		HostEnvVar:     "IECHOR_HOST",
		ManagedDomain:  "com.iechor.installer",
		CLIContext:     "desktop-linux",
		AppContainer:   "com.iechor.iechor",
		GroupContainer: "group.com.iechor",
		SettingsStore:  "settings-store.json",
		LegacySettings: "settings.json",
		LastOwnHelper:  "4.88",
	},
}

// Names lists the built-in products.
func Names() []string {
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Builtin returns a built-in descriptor by name.
func Builtin(name string) (Descriptor, error) {
	d, ok := builtin[name]
	if !ok {
		return Descriptor{}, fmt.Errorf("unknown product %q (built in: %s; use --product-file for others)", name, strings.Join(Names(), ", "))
	}
	return d, nil
}

// Parse decodes a descriptor plist (XML or binary) with the keys of
// Descriptor and validates it.
func Parse(data []byte) (Descriptor, error) {
	var d Descriptor
	var top any
	if _, err := plist.Unmarshal(data, &top); err == nil {
		if _, ok := top.(map[string]any); !ok {
			return Descriptor{}, fmt.Errorf("product descriptor is a plist %T, not a dictionary: write a <dict> with Name, AppBundle, UserDir and the other keys of the built-in descriptors", top)
		}
	}
	if _, err := plist.Unmarshal(data, &d); err != nil {
		return Descriptor{}, fmt.Errorf("product descriptor is not a valid plist: %w", err)
	}
	d = d.Defaults()
	if err := d.Validate(); err != nil {
		return Descriptor{}, err
	}
	return d, nil
}

// Defaults fills the optional names a --product-file may leave out with
// Docker Desktop's.
func (d Descriptor) Defaults() Descriptor {
	if d.SettingsStore == "" {
		d.SettingsStore = "settings-store.json"
	}
	if d.LegacySettings == "" {
		d.LegacySettings = "settings.json"
	}
	if d.LastOwnHelper == "" {
		d.LastOwnHelper = "4.88"
	}
	return d
}

// Validate checks that every name is present and that paths are clean and
// of the right kind, so no descriptor can point the installer outside the
// places docs/contract.md §2 names.
func (d Descriptor) Validate() error {
	abs := map[string]string{
		"AppBundle": d.AppBundle, "AppSupportDir": d.AppSupportDir,
		"HelperSocket": d.HelperSocket, "SocketLink": d.SocketLink,
	}
	rel := map[string]string{"UserDir": d.UserDir, "UserSocket": d.UserSocket}
	plain := map[string]string{
		"Name": d.Name, "HelperLabel": d.HelperLabel, "BootTaskLabel": d.BootTaskLabel,
		"KubernetesName": d.KubernetesName, "HostEnvVar": d.HostEnvVar,
		"ManagedDomain": d.ManagedDomain, "CLIContext": d.CLIContext,
	}
	for _, k := range sortedKeys(abs) {
		v := abs[k]
		if v == "" || !path.IsAbs(v) || path.Clean(v) != v || v == "/" {
			return fmt.Errorf("product descriptor: %s must be a clean absolute path, got %q", k, v)
		}
	}
	for _, k := range sortedKeys(rel) {
		v := rel[k]
		if v == "" || path.IsAbs(v) || path.Clean(v) != v || v == "." || strings.HasPrefix(v, "..") {
			return fmt.Errorf("product descriptor: %s must be a clean path inside the home, got %q", k, v)
		}
	}
	optional := map[string]string{
		"AppContainer": d.AppContainer, "GroupContainer": d.GroupContainer,
		"SettingsStore": d.SettingsStore, "LegacySettings": d.LegacySettings,
		"VendorTeam": d.VendorTeam,
	}
	for _, k := range sortedKeys(optional) {
		if v := optional[k]; v != "" {
			plain[k] = v
		}
	}
	if d.LastOwnHelper != "" && !appinfo.ParseVersion(d.LastOwnHelper).Known() {
		return fmt.Errorf("product descriptor: LastOwnHelper must be a dotted version such as 4.88, got %q", d.LastOwnHelper)
	}
	for _, k := range sortedKeys(plain) {
		v := plain[k]
		if v == "" || strings.ContainsAny(v, "/\x00\n\r\t #") || v == "." || v == ".." {
			return fmt.Errorf("product descriptor: %s must be a non-empty name without '/', spaces or '#', got %q", k, v)
		}
	}
	return nil
}

// Marshal encodes the descriptor as an XML plist (used to write examples).
func (d Descriptor) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := plist.NewEncoderForFormat(&buf, plist.XMLFormat)
	enc.Indent("\t")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BundledCLIDir is the app's directory of command-line tools.
func (d Descriptor) BundledCLIDir() string { return d.AppBundle + "/Contents/Resources/bin" }

// ProfilePath is the single-user profile of docs/contract.md §6.
func (d Descriptor) ProfilePath() string { return d.AppSupportDir + "/installer.plist" }

// HelperBinary is where the privileged helper is installed.
func (d Descriptor) HelperBinary() string { return "/Library/PrivilegedHelperTools/" + d.HelperLabel }

// HelperPlist is the helper's LaunchDaemon.
func (d Descriptor) HelperPlist() string { return "/Library/LaunchDaemons/" + d.HelperLabel + ".plist" }

// BootTaskPlist is the LaunchDaemon that recreates the socket link at boot.
func (d Descriptor) BootTaskPlist() string {
	return "/Library/LaunchDaemons/" + d.BootTaskLabel + ".plist"
}

// LockPath is the installer's lock file.
func (d Descriptor) LockPath() string { return "/var/run/" + d.Name + "-installer.lock" }

// LogDir is the directory of the installer's and vmnetd's logs,
// /Library/Logs/<product>-installer (in a home, the same path below it).
func (d Descriptor) LogDir() string { return "/Library/Logs/" + d.Name + "-installer" }

// LogPath is the default JSON-lines log of docs/contract.md §11.
func (d Descriptor) LogPath() string { return d.LogDir() + "/installer.log" }

// HelperLogPath is where launchd sends vmnetd's output (its LaunchDaemon's
// StandardOutPath and StandardErrorPath), beside the installer's log.
func (d Descriptor) HelperLogPath() string { return d.LogDir() + "/vmnetd.log" }

// AppContainerDir is the app's sandbox container in the home
// (Library/Containers/<AppContainer>), "" when the product has none.
func (d Descriptor) AppContainerDir() string {
	if d.AppContainer == "" {
		return ""
	}
	return "Library/Containers/" + d.AppContainer
}

// GroupContainerDir is the app's group container in the home (Library/Group
// Containers/<GroupContainer>), where its settings store lives; "" when
// the product has none.
func (d Descriptor) GroupContainerDir() string {
	if d.GroupContainer == "" {
		return ""
	}
	return "Library/Group Containers/" + d.GroupContainer
}

// HasOwnHelper reports whether an app of version v ships its own helper
// (up to LastOwnHelper; an unknown version counts as the newest).
func (d Descriptor) HasOwnHelper(v appinfo.Version) bool {
	last := d.LastOwnHelper
	if last == "" {
		last = "4.88"
	}
	return !v.After(appinfo.ParseVersion(last))
}

// InfoPlist is the app's Contents/Info.plist.
func (d Descriptor) InfoPlist() string { return d.AppBundle + "/Contents/Info.plist" }

// PolicyPath is the Registry Access Management policy cache of §8.
func (d Descriptor) PolicyPath() string { return d.AppSupportDir + "/registry-access-policy.json" }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
