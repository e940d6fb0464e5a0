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
