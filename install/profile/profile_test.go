package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/macfleet/installer/install/rootfs"
)

func good(t *testing.T) []byte {
	t.Helper()
	b, err := Encode(&Profile{User: "alice", UID: 501, Product: "docker",
		Receipt: []Item{{Kind: "dir", Path: "/usr/local/bin", Step: "links"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	p, err := Decode(good(t))
	if err != nil || p.User != "alice" || p.UID != 501 || len(p.Receipt) != 1 {
		t.Fatalf("good profile: %+v, %v", p, err)
	}
	bin, err := plist.Marshal(map[string]any{"User": "alice", "UID": 501, "Product": "docker"}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	for want, data := range map[string][]byte{
		"a binary plist":          bin,
		"more than a profile":     append(good(t), make([]byte, MaxSize)...),
		"missing User or Product": []byte(`<plist><dict><key>User</key><string>a</string></dict></plist>`),
		"unknown kind \"socket\"": []byte(`<plist><dict><key>User</key><string>a</string><key>Product</key><string>d</string>` +
			`<key>Receipt</key><array><dict><key>Kind</key><string>socket</string><key>Path</key><string>/x</string></dict></array></dict></plist>`),
		"receipt item 0": []byte(`<plist><dict><key>User</key><string>a</string><key>Product</key><string>d</string>` +
			`<key>Receipt</key><array><dict><key>Kind</key><string>dir</string><key>Path</key><string>x/../y</string></dict></array></dict></plist>`),
	} {
		if _, err := Decode(data); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	if p, data, err := Read(fsys, "/p.plist"); p != nil || data != nil || err != nil {
		t.Fatalf("no profile: %v %v %v", p, data, err)
	}
	os.WriteFile(filepath.Join(dir, "p.plist"), good(t), 0o644)
	if p, data, err := Read(fsys, "/p.plist"); err != nil || p.User != "alice" || len(data) == 0 {
		t.Fatalf("profile: %v %v", p, err)
	}
	os.Symlink("p.plist", filepath.Join(dir, "link.plist"))
	os.WriteFile(filepath.Join(dir, "big.plist"), make([]byte, MaxSize+1), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.plist"), []byte("bplist00"), 0o644)
	for p, want := range map[string]string{
		"/link.plist": "not a regular file; refusing it",
		"/big.plist":  "more than a profile can be",
		"/bad.plist":  "is not valid (a binary plist",
	} {
		_, _, err := Read(fsys, p)
		var unsafe *UnsafeError
		if !errors.As(err, &unsafe) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an UnsafeError with %q", p, err, want)
		}
	}
}

func TestPublicKey(t *testing.T) {
	if k, err := (&Profile{}).PublicKey(); k != nil || err != nil {
		t.Fatalf("no key: %v %v", k, err)
	}
	if _, err := (&Profile{PolicyKey: "AAAA"}).PublicKey(); err == nil || !strings.Contains(err.Error(), "public key of 32") {
		t.Fatalf("short key: %v", err)
	}
}
