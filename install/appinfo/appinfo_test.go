package appinfo

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/macfleet/installer/install/rootfs"
)

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"4.35", "4.35.0", 0},
		{"4.34.9", "4.35", -1},
		{"4.88", "4.89", -1},
		{"4.100", "4.99", 1},
		{"10.0", "9.99.99", 1},
		{"4.37.2", "4.37.10", -1},
		{"", "4.90", 1},      // unknown is the newest
		{"4.x", "99", 1},     // unparsable is unknown
		{"4..1", "4.0.1", 1}, // so is an empty field
		{"", "", 0},
		{"4.35", "", -1},
	} {
		if got := ParseVersion(c.a).Compare(ParseVersion(c.b)); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for s, known := range map[string]bool{
		"4.37.2": true, "4": true, " 4.35 ": true,
		"": false, "v4.35": false, "4.35-beta": false, "4.": false, ".4": false, "1234567890.1": false,
	} {
		if got := ParseVersion(s).Known(); got != known {
			t.Errorf("ParseVersion(%q).Known() = %v, want %v", s, got, known)
		}
	}
	if got := ParseVersion("x").String(); got != "unknown" {
		t.Errorf("unknown version prints %q", got)
	}
	if !ParseVersion("").AtLeast("4.89") || ParseVersion("4.88.1").AtLeast("4.89") || !ParseVersion("4.89").AtLeast("4.89") {
		t.Error("AtLeast")
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	info := `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>com.docker.docker</string>
<key>CFBundleShortVersionString</key><string>4.37.2</string>
<key>VmnetdVersion</key><string>7</string>
</dict></plist>`
	if err := os.WriteFile(filepath.Join(dir, "Info.plist"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("Info.plist", filepath.Join(dir, "link.plist")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.plist"), make([]byte, maxInfo+1), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := Read(fsys, "/Info.plist")
	if got.ID != "com.docker.docker" || got.Version().String() != "4.37.2" || got.VmnetdVersion != "7" {
		t.Errorf("Read = %+v", got)
	}
	for _, f := range []string{"/link.plist", "/big.plist", "/missing.plist"} {
		if got := Read(fsys, f); got != (Info{}) {
			t.Errorf("Read(%s) = %+v, want the zero Info", f, got)
		}
	}
	if got := Parse([]byte("not a plist")); got != (Info{}) {
		t.Errorf("Parse(garbage) = %+v", got)
	}
}

// After is strict: a version is not after itself; an unknown version is
// the newest (after every known one, not after another unknown).
func TestAfter(t *testing.T) {
	for _, c := range []struct {
		v, w string
		want bool
	}{
		{"4.89", "4.88", true},
		{"4.88", "4.88", false},
		{"4.88", "4.88.0", false},
		{"4.88.1", "4.88", true},
		{"4.87", "4.88", false},
		{"", "4.88", true},
		{"4.88", "", false},
	} {
		if got := ParseVersion(c.v).After(ParseVersion(c.w)); got != c.want {
			t.Errorf("%q.After(%q) = %v, want %v", c.v, c.w, got, c.want)
		}
	}
}

// TestReadEdges: a file of exactly 1 MiB is read, one byte more is not;
// a binary Info.plist is read once plistsafe accepts it; the version's
// length limits (64 characters, 9 digits a field) are inclusive.
func TestReadEdges(t *testing.T) {
	dir := t.TempDir()
	head := `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>com.docker.docker</string>
</dict></plist>
`
	pad := func(n int) []byte { return append([]byte(head), bytes.Repeat([]byte(" "), n-len(head))...) }
	if err := os.WriteFile(filepath.Join(dir, "max.plist"), pad(maxInfo), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "over.plist"), pad(maxInfo+1), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := plist.Marshal(Info{ID: "com.docker.docker", VersionText: "4.40"}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin.plist"), bin, 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := Read(fsys, "/max.plist"); got.ID != "com.docker.docker" {
		t.Errorf("a 1 MiB Info.plist: %+v", got)
	}
	if got := Read(fsys, "/over.plist"); got != (Info{}) {
		t.Errorf("1 MiB and a byte: %+v", got)
	}
	if got := Read(fsys, "/bin.plist"); got.ID != "com.docker.docker" || got.Version().String() != "4.40" {
		t.Errorf("a binary Info.plist: %+v", got)
	}
	long := strings.Repeat("1.", 31) + "12" // 64 characters
	for s, known := range map[string]bool{
		long: true, long + "3": false,
		"4.123456789": true, "4.1234567890": false,
	} {
		if got := ParseVersion(s).Known(); got != known {
			t.Errorf("ParseVersion(%q) (%d characters) known = %v, want %v", s, len(s), got, known)
		}
	}
}
