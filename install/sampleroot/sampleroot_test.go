package sampleroot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/macfleet/installer/install/appinfo"
	"github.com/macfleet/installer/install/product"
)

// macLayout is the table of docs/macos.md ("System directories
// the installer reads, trusts or writes"), booted-Mac column, transcribed
// here so that a change to the builder cannot drift from it unnoticed.
var macLayout = []struct {
	path     string
	mode     os.FileMode
	uid, gid int
}{
	{".", os.ModeSticky | 0o775, 0, Admin},
	{"Applications", 0o775, 0, Admin},
	{"Library", 0o775, 0, Admin},
	{"Library/Application Support", 0o755, 0, Admin},
	{"Library/LaunchDaemons", 0o755, 0, Wheel},
	{"Library/Logs", 0o775, 0, Admin},
	{"Library/Preferences", 0o755, 0, Wheel},
	{"Library/Managed Preferences", 0o755, 0, Wheel},
	{"Users", 0o755, 0, Admin},
	{"Users/Shared", os.ModeSticky | 0o777, 0, Wheel},
	{"Users/alice", 0o750, 501, Staff},
	{"private/etc", 0o755, 0, Wheel},
	{"private/etc/paths.d", 0o755, 0, Wheel},
	{"private/etc/newsyslog.d", 0o755, 0, Wheel},
	{"private/var", 0o755, 0, Wheel},
	{"private/var/run", 0o775, 0, Daemon},
	{"private/var/db", 0o755, 0, Wheel},
	{"private/tmp", os.ModeSticky | 0o777, 0, Wheel},
	{"usr/local", 0o755, 0, Wheel},
	{"usr/local/bin", 0o755, 0, Wheel},
	{"dev", 0o555, 0, Wheel},
	{"dev/console", 0o600, 501, Wheel}, // alice is logged in
}

func build(t *testing.T, o Options) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("owners need root")
	}
	dir := t.TempDir()
	o.Product, _ = product.Builtin("docker")
	o.Users = []User{{Name: "alice", UID: 501, GID: Staff}}
	if err := Build(dir, o); err != nil {
		t.Fatal(err)
	}
	return dir
}

type got struct {
	mode     os.FileMode
	uid, gid int
}

func stat(t *testing.T, dir, rel string) (got, bool) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(dir, rel))
	if os.IsNotExist(err) {
		return got{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return got{fi.Mode() & (os.ModePerm | os.ModeSticky), int(st.Uid), int(st.Gid)}, true
}

func TestDefaultIsABootedMac(t *testing.T) {
	dir := build(t, Options{})
	for _, w := range macLayout {
		g, ok := stat(t, dir, w.path)
		if !ok {
			t.Errorf("%s: missing", w.path)
			continue
		}
		if g != (got{w.mode, w.uid, w.gid}) {
			t.Errorf("%s: %04o %d:%d, want %04o %d:%d (docs/macos.md)", w.path, g.mode, g.uid, g.gid, w.mode, w.uid, w.gid)
		}
	}
	if _, ok := stat(t, dir, "Library/PrivilegedHelperTools"); ok {
		t.Errorf("Library/PrivilegedHelperTools exists; a fresh Mac has none")
	}
	for link, target := range map[string]string{"etc": "private/etc", "var": "private/var", "tmp": "private/tmp"} {
		if got, err := os.Readlink(filepath.Join(dir, link)); err != nil || got != target {
			t.Errorf("%s -> %q (%v), want %s", link, got, err, target)
		}
	}
	// An app installed by a pkg or an MDM belongs to root.
	if g, _ := stat(t, dir, "Applications/Docker.app/Contents/Resources/bin"); g.uid != 0 {
		t.Errorf("bundled CLI dir owned by uid %d, want root", g.uid)
	}
}

func TestVariants(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		path string
		want got
		gone bool
	}{
		{"as built: /", Options{AsBuilt: true}, ".", got{0o755, 0, Wheel}, false},
		{"as built: /private/var/run", Options{AsBuilt: true}, "private/var/run", got{0o755, 0, Daemon}, false},
		{"dragged app", Options{DraggedApp: true}, "Applications/Docker.app/Contents/Resources/bin", got{0o755, 501, Admin}, false},
		{"dragged app: bundle", Options{DraggedApp: true}, "Applications/Docker.app", got{0o755, 501, Admin}, false},
		{"homebrew", Options{BrewUsrLocal: true}, "usr/local/bin", got{0o755, 501, Admin}, false},
		{"apple silicon", Options{NoUsrLocal: true}, "usr/local", got{}, true},
		{"plain: Library", Options{Plain: true}, "Library", got{0o755, 0, 0}, false},
		{"plain: var/run", Options{Plain: true}, "private/var/run", got{0o755, 0, 0}, false},
		{"plain: home keeps its owner", Options{Plain: true}, "Users/alice", got{0o750, 501, Staff}, false},
	} {
		dir := build(t, tc.o)
		g, ok := stat(t, dir, tc.path)
		switch {
		case tc.gone && ok:
			t.Errorf("%s: %s exists", tc.name, tc.path)
		case !tc.gone && !ok:
			t.Errorf("%s: %s missing", tc.name, tc.path)
		case !tc.gone && g != tc.want:
			t.Errorf("%s: %s is %04o %d:%d, want %04o %d:%d", tc.name, tc.path, g.mode, g.uid, g.gid, tc.want.mode, tc.want.uid, tc.want.gid)
		}
	}
}

func TestParseArgs(t *testing.T) {
	a, err := ParseArgs([]string{"-as-built", "-dragged-app", "-brew", "-product", "iechor", "/r", "alice:501", "bob:502:80"})
	if err != nil {
		t.Fatal(err)
	}
	if !a.AsBuilt || !a.DraggedApp || !a.BrewUsrLocal || a.Product.Name != "iechor" || a.Dir != "/r" ||
		len(a.Users) != 2 || a.Users[0] != (User{"alice", 501, Staff}) || a.Users[1] != (User{"bob", 502, Admin}) {
		t.Fatalf("parsed %+v", a)
	}
	for _, bad := range [][]string{{}, {"/r", "alice"}, {"/r", "alice:x"}, {"-nope", "/r"}, {"-product", "nope", "/r"}} {
		if _, err := ParseArgs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The sample app carries a version and, while it still ships its own
// helper, a VmnetdVersion; mkroot -app-version picks another.
func TestSampleAppVersions(t *testing.T) {
	for _, c := range []struct {
		args        []string
		app, vmnetd string
	}{
		{[]string{"d"}, DefaultAppVersion, DefaultVmnetdVersion},
		{[]string{"-app-version", "4.90", "d"}, "4.90", ""},
		{[]string{"-app-version", "4.30.1", "-vmnetd-version", "61", "d"}, "4.30.1", "61"},
		{[]string{"-app-version", "none", "-vmnetd-version", "none", "d"}, "", ""},
	} {
		a, err := ParseArgs(c.args)
		if err != nil {
			t.Fatal(err)
		}
		info := appinfo.Parse(infoPlist(a.Options))
		if info.VersionText != c.app || info.VmnetdVersion != c.vmnetd || info.ID != "com.docker.docker" {
			t.Errorf("mkroot %q: Info.plist %+v, want version %q, VmnetdVersion %q", c.args, info, c.app, c.vmnetd)
		}
	}
}

// TestAppStore: the sample store is a JSON object of 30+ keys with a proxy
// password, in the user's 0700 group container, as the app leaves it.
func TestAppStore(t *testing.T) {
	d, _ := product.Builtin("docker")
	es := Layout(Options{Product: d, Users: []User{{Name: "alice", UID: 501, GID: Staff}}, AppStore: true})
	want := map[string]os.FileMode{
		"Users/alice/Library":                                                       0o700,
		"Users/alice/Library/Group Containers":                                      0o700,
		"Users/alice/Library/Group Containers/group.com.docker":                     0o700,
		"Users/alice/Library/Group Containers/group.com.docker/settings-store.json": 0o644,
		"Users/alice/Library/Group Containers/group.com.docker/settings.json":       0o644,
	}
	for _, e := range es {
		m, ok := want[e.Path]
		if !ok {
			continue
		}
		delete(want, e.Path)
		if e.Mode != m || e.UID != 501 || e.GID != Staff {
			t.Errorf("%s: %v %d:%d, want %v 501:%d", e.Path, e.Mode, e.UID, e.GID, m, Staff)
		}
		if e.Dir {
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(e.Data, &obj); err != nil {
			t.Errorf("%s: %v", e.Path, err)
		}
		if strings.HasSuffix(e.Path, "settings-store.json") {
			if len(obj) < 30 || !strings.Contains(string(e.Data), ":S3cr3t") || obj["ShowInstallScreen"] != true {
				t.Errorf("store: %d keys, want 30+ with a proxy password and ShowInstallScreen true", len(obj))
			}
		}
	}
	for p := range want {
		t.Errorf("%s missing", p)
	}
}
