package product

import (
	"strings"
	"testing"

	"github.com/macfleet/installer/install/appinfo"
)

func TestBuiltin(t *testing.T) {
	for _, n := range Names() {
		d, err := Builtin(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	d, _ := Builtin("iechor")
	if d.HelperSocket != "/var/run/com.iechor.vmnetd.sock" || d.ProfilePath() != "/Library/Application Support/com.iechor.iechor/installer.plist" {
		t.Fatalf("iechor descriptor: %+v", d)
	}
	if _, err := Builtin("nosuch"); err == nil || !strings.Contains(err.Error(), "--product-file") {
		t.Fatalf("unknown product: %v", err)
	}
}

func TestParseRoundTripAndRejects(t *testing.T) {
	d, _ := Builtin("docker")
	d.Name, d.AppBundle = "acme", "/Applications/Acme.app"
	data, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil || got != d {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for field, mutate := range map[string]func(*Descriptor){
		"AppBundle":     func(d *Descriptor) { d.AppBundle = "Applications/X.app" },
		"AppSupportDir": func(d *Descriptor) { d.AppSupportDir = "/Library/../etc" },
		"UserDir":       func(d *Descriptor) { d.UserDir = "../.ssh" },
		"UserSocket":    func(d *Descriptor) { d.UserSocket = "/etc/x.sock" },
		"Name":          func(d *Descriptor) { d.Name = "a b" },
		"HelperLabel":   func(d *Descriptor) { d.HelperLabel = "../x" },
		"SocketLink":    func(d *Descriptor) { d.SocketLink = "/" },
	} {
		bad := d
		mutate(&bad)
		data, _ := bad.Marshal()
		if _, err := Parse(data); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: accepted or unclear error: %v", field, err)
		}
	}
	if _, err := Parse([]byte("not a plist \x00")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestLogDirHoldsBothLogs(t *testing.T) {
	d, err := Builtin("iechor")
	if err != nil {
		t.Fatal(err)
	}
	if d.LogDir() != "/Library/Logs/iechor-installer" {
		t.Errorf("LogDir() = %q", d.LogDir())
	}
	for _, p := range []string{d.LogPath(), d.HelperLogPath()} {
		if !strings.HasPrefix(p, d.LogDir()+"/") {
			t.Errorf("%s is not in %s", p, d.LogDir())
		}
	}
}

// TestValidateRejects drives each rule of Validate on its own, directly
// (no plist round trip), so a rule that stops refusing fails here by name.
func TestValidateRejects(t *testing.T) {
	base, _ := Builtin("docker")
	for _, c := range []struct {
		name   string
		field  string
		mutate func(*Descriptor)
	}{
		// A user-relative path of "." is the whole home: the installer
		// would treat ~ itself as the product's directory or socket.
		{"UserDir dot", "UserDir", func(d *Descriptor) { d.UserDir = "." }},
		{"UserSocket dot", "UserSocket", func(d *Descriptor) { d.UserSocket = "." }},
		{"UserDir empty", "UserDir", func(d *Descriptor) { d.UserDir = "" }},
		{"UserDir absolute", "UserDir", func(d *Descriptor) { d.UserDir = "/Users/x/.docker" }},
		{"UserDir unclean", "UserDir", func(d *Descriptor) { d.UserDir = ".docker/" }},
		{"UserDir dotdot", "UserDir", func(d *Descriptor) { d.UserDir = ".." }},
		{"UserSocket escapes", "UserSocket", func(d *Descriptor) { d.UserSocket = "../other/docker.sock" }},
		{"AppBundle empty", "AppBundle", func(d *Descriptor) { d.AppBundle = "" }},
		{"AppBundle root", "AppBundle", func(d *Descriptor) { d.AppBundle = "/" }},
		{"HelperSocket relative", "HelperSocket", func(d *Descriptor) { d.HelperSocket = "var/run/x.sock" }},
		{"SocketLink unclean", "SocketLink", func(d *Descriptor) { d.SocketLink = "/var/run//docker.sock" }},
		{"Name empty", "Name", func(d *Descriptor) { d.Name = "" }},
		{"Name dot", "Name", func(d *Descriptor) { d.Name = "." }},
		{"Name dotdot", "Name", func(d *Descriptor) { d.Name = ".." }},
		{"HostEnvVar slash", "HostEnvVar", func(d *Descriptor) { d.HostEnvVar = "A/B" }},
		{"CLIContext hash", "CLIContext", func(d *Descriptor) { d.CLIContext = "a#b" }},
		{"ManagedDomain newline", "ManagedDomain", func(d *Descriptor) { d.ManagedDomain = "a\nb" }},
		{"SettingsStore slash", "SettingsStore", func(d *Descriptor) { d.SettingsStore = "../settings-store.json" }},
		{"VendorTeam space", "VendorTeam", func(d *Descriptor) { d.VendorTeam = "A B" }},
		{"AppContainer dotdot", "AppContainer", func(d *Descriptor) { d.AppContainer = ".." }},
		{"LastOwnHelper", "LastOwnHelper", func(d *Descriptor) { d.LastOwnHelper = "latest" }},
	} {
		d := base
		c.mutate(&d)
		err := d.Validate()
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error does not name %s: %v", c.name, c.field, err)
		}
	}
	// The optional names may be left out.
	d := base
	d.AppContainer, d.GroupContainer, d.VendorTeam = "", "", ""
	if err := d.Validate(); err != nil {
		t.Errorf("optional names left out: %v", err)
	}
	d.LastOwnHelper = ""
	if err := d.Validate(); err != nil {
		t.Errorf("LastOwnHelper left out: %v", err)
	}
}

// TestDerivedPaths pins every path derived from the descriptor (the
// places docs/contract.md and docs/macos.md name), for both built-ins.
func TestDerivedPaths(t *testing.T) {
	for name, want := range map[string][]string{
		"docker": {
			"/Applications/Docker.app/Contents/Resources/bin",
			"/Library/Application Support/com.docker.docker/installer.plist",
			"/Library/PrivilegedHelperTools/com.docker.vmnetd",
			"/Library/LaunchDaemons/com.docker.vmnetd.plist",
			"/Library/LaunchDaemons/com.docker.socket.plist",
			"/var/run/docker-installer.lock",
			"/Library/Logs/docker-installer/installer.log",
			"/Library/Logs/docker-installer/vmnetd.log",
			"Library/Containers/com.docker.docker",
			"Library/Group Containers/group.com.docker",
			"/Applications/Docker.app/Contents/Info.plist",
			"/Library/Application Support/com.docker.docker/registry-access-policy.json",
		},
		"iechor": {
			"/Applications/iEchor.app/Contents/Resources/bin",
			"/Library/Application Support/com.iechor.iechor/installer.plist",
			"/Library/PrivilegedHelperTools/com.iechor.vmnetd",
			"/Library/LaunchDaemons/com.iechor.vmnetd.plist",
			"/Library/LaunchDaemons/com.iechor.socket.plist",
			"/var/run/iechor-installer.lock",
			"/Library/Logs/iechor-installer/installer.log",
			"/Library/Logs/iechor-installer/vmnetd.log",
			"Library/Containers/com.iechor.iechor",
			"Library/Group Containers/group.com.iechor",
			"/Applications/iEchor.app/Contents/Info.plist",
			"/Library/Application Support/com.iechor.iechor/registry-access-policy.json",
		},
	} {
		d, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{d.BundledCLIDir(), d.ProfilePath(), d.HelperBinary(), d.HelperPlist(), d.BootTaskPlist(),
			d.LockPath(), d.LogPath(), d.HelperLogPath(), d.AppContainerDir(), d.GroupContainerDir(),
			d.InfoPlist(), d.PolicyPath()}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: path %d is %q, want %q", name, i, got[i], want[i])
			}
		}
	}
	// A product without containers has no container directories.
	d, _ := Builtin("docker")
	d.AppContainer, d.GroupContainer = "", ""
	if a, g := d.AppContainerDir(), d.GroupContainerDir(); a != "" || g != "" {
		t.Errorf("no containers: %q %q", a, g)
	}
}

// HasOwnHelper: up to LastOwnHelper inclusive (4.88 when unset); an
// unknown app version is the newest, so it has none.
func TestHasOwnHelper(t *testing.T) {
	d, _ := Builtin("docker")
	for v, want := range map[string]bool{"4.87": true, "4.88": true, "4.88.0": true, "4.88.1": false, "4.89": false, "": false} {
		if got := d.HasOwnHelper(appinfo.ParseVersion(v)); got != want {
			t.Errorf("HasOwnHelper(%q) = %v, want %v", v, got, want)
		}
	}
	d.LastOwnHelper = ""
	if !d.HasOwnHelper(appinfo.ParseVersion("4.88")) || d.HasOwnHelper(appinfo.ParseVersion("4.88.1")) {
		t.Error("LastOwnHelper unset is not 4.88")
	}
	d.LastOwnHelper = "4.90"
	if !d.HasOwnHelper(appinfo.ParseVersion("4.89")) || d.HasOwnHelper(appinfo.ParseVersion("4.91")) {
		t.Error("LastOwnHelper 4.90 not honoured")
	}
}

// TestParseDefaultsAndShape: a descriptor file may leave out the settings
// file names and the last version with its own helper (Docker Desktop's
// are filled in), and one that names its own keeps them; a plist that is
// not a dictionary, or not a plist, is refused in its own words.
func TestParseDefaultsAndShape(t *testing.T) {
	d, _ := Builtin("docker")
	d.SettingsStore, d.LegacySettings, d.LastOwnHelper = "", "", ""
	data, _ := d.Marshal()
	got, err := Parse(data)
	if err != nil || got.SettingsStore != "settings-store.json" || got.LegacySettings != "settings.json" || got.LastOwnHelper != "4.88" {
		t.Errorf("left out: %+v, %v", got, err)
	}
	d.SettingsStore, d.LegacySettings, d.LastOwnHelper = "store.json", "legacy.json", "5.1"
	data, _ = d.Marshal()
	if got, err := Parse(data); err != nil || got != d {
		t.Errorf("own names: %+v, %v", got, err)
	}
	array := []byte(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><array><string>x</string></array></plist>`)
	if _, err := Parse(array); err == nil || !strings.Contains(err.Error(), "not a dictionary") {
		t.Errorf("an array: %v", err)
	}
	if _, err := Parse([]byte("not a plist \x00")); err == nil || !strings.Contains(err.Error(), "not a valid plist") {
		t.Errorf("garbage: %v", err)
	}
}
