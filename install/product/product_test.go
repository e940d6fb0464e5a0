package product

import (
	"strings"
	"testing"
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
