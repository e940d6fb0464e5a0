package flatpkg_test

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"encoding/xml"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blacktop/go-macho/pkg/xar"

	"github.com/macfleet/installer/mdm/flatpkg"
	"github.com/macfleet/installer/mdm/flatpkg/flatpkgtest"
)

var epoch = time.Unix(1767323045, 0) // 2026-01-02T03:04:05Z

func sample() flatpkg.Package {
	return flatpkg.Package{
		Title:             "Sample tool",
		ID:                "com.example.tool",
		Version:           "1.2.3",
		InstallLocation:   "/usr/local/example",
		HostArchitectures: "arm64,x86_64",
		MTime:             epoch,
		Payload: []flatpkg.Entry{
			{Path: "share/man/man8/tool.8", Mode: 0o644, Data: []byte(".TH TOOL 8\n")},
			{Path: ".", Mode: fs.ModeDir | 0o755},
			{Path: "bin", Mode: fs.ModeDir | 0o755},
			{Path: "bin/tool", Mode: 0o755, Data: bytes.Repeat([]byte("\xcf\xfa\xed\xfeMACHO"), 3000)},
			{Path: "bin/helper", Mode: 0o755, Data: []byte("#!/bin/sh\necho helper\n")},
			{Path: "share", Mode: fs.ModeDir | 0o755},
			{Path: "share/man", Mode: fs.ModeDir | 0o755},
			{Path: "share/man/man8", Mode: fs.ModeDir | 0o755},
			{Path: "empty", Mode: 0o600, UID: 501, GID: 20},
		},
	}
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs it as root)", tool)
		}
	}
}

func write(t *testing.T, p flatpkg.Package, id *flatpkg.Identity) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "t.pkg")
	if err := p.WriteFile(f, id); err != nil {
		t.Fatal(err)
	}
	return f
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func TestBsdtarLists(t *testing.T) {
	need(t, "bsdtar")
	f := write(t, sample(), nil)
	got := strings.Fields(run(t, "", "bsdtar", "-tf", f))
	sort.Strings(got)
	want := []string{"Distribution", "com.example.tool.pkg", "com.example.tool.pkg/Bom", "com.example.tool.pkg/PackageInfo", "com.example.tool.pkg/Payload"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("bsdtar -tf lists\n%q\nwant\n%q", got, want)
	}
}

// extract unpacks the package with bsdtar (unsigned packages only: see
// docs/contract.md §12's tooling note) into a new directory.
func extract(t *testing.T, f string) string {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, "bsdtar", "-xf", f)
	return dir
}

// cpioListing is `cpio -itv -n`: mode, owner, size and name per entry.
type cpioEntry struct {
	mode     string
	uid, gid int
	size     int
}

func cpioList(t *testing.T, gz string) map[string]cpioEntry {
	t.Helper()
	out := run(t, "", "sh", "-c", `gzip -dc "$1" | cpio -itv -n -H odc --quiet`, "sh", gz)
	m := map[string]cpioEntry{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 9 {
			t.Fatalf("cpio listing line %q", l)
		}
		uid, _ := strconv.Atoi(f[2])
		gid, _ := strconv.Atoi(f[3])
		size, _ := strconv.Atoi(f[4])
		m[f[len(f)-1]] = cpioEntry{f[0], uid, gid, size}
	}
	return m
}

func TestPayloadByCpioAndBom(t *testing.T) {
	need(t, "bsdtar", "cpio", "gzip", "cksum")
	p := sample()
	dir := extract(t, write(t, p, nil))
	comp := filepath.Join(dir, "com.example.tool.pkg")

	list := cpioList(t, filepath.Join(comp, "Payload"))
	want := map[string]cpioEntry{
		".":                       {"drwxr-xr-x", 0, 0, 0},
		"./bin":                   {"drwxr-xr-x", 0, 0, 0},
		"./bin/helper":            {"-rwxr-xr-x", 0, 0, 22},
		"./bin/tool":              {"-rwxr-xr-x", 0, 0, 27000},
		"./empty":                 {"-rw-------", 501, 20, 0},
		"./share":                 {"drwxr-xr-x", 0, 0, 0},
		"./share/man":             {"drwxr-xr-x", 0, 0, 0},
		"./share/man/man8":        {"drwxr-xr-x", 0, 0, 0},
		"./share/man/man8/tool.8": {"-rw-r--r--", 0, 0, 11},
	}
	if len(list) != len(want) {
		t.Errorf("cpio lists %d entries, want %d: %v", len(list), len(want), list)
	}
	for name, w := range want {
		if g := list[name]; g != w {
			t.Errorf("cpio: %s is %+v, want %+v", name, g, w)
		}
	}

	// cpio -i extracts the same content (and, as root, the owners).
	root := filepath.Join(t.TempDir(), "x")
	if err := os.Mkdir(root, 0o700); err != nil {
		t.Fatal(err)
	}
	run(t, root, "sh", "-c", `gzip -dc "$1" | cpio -idm -H odc --quiet --no-absolute-filenames`, "sh", filepath.Join(comp, "Payload"))
	for _, e := range p.Payload {
		fi, err := os.Lstat(filepath.Join(root, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		// "." is the extraction directory itself (its mode shows in the
		// listing above); a directory's mtime moves as cpio fills it.
		if e.Path != "." && fi.Mode() != e.Mode {
			t.Errorf("extracted %s: mode %v, want %v", e.Path, fi.Mode(), e.Mode)
		}
		if !e.Dir() && !fi.ModTime().Equal(epoch) {
			t.Errorf("extracted %s: mtime %v, want %v", e.Path, fi.ModTime(), epoch)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if os.Geteuid() == 0 && (int(st.Uid) != e.UID || int(st.Gid) != e.GID) {
			t.Errorf("extracted %s: owner %d:%d, want %d:%d", e.Path, st.Uid, st.Gid, e.UID, e.GID)
		}
		if !e.Dir() {
			got, _ := os.ReadFile(filepath.Join(root, e.Path))
			if !bytes.Equal(got, e.Data) {
				t.Errorf("extracted %s: content differs", e.Path)
			}
		}
	}

	// The Bom says what cpio found: paths, modes, owners, sizes, and the
	// CRC that cksum(1) computes.
	bomData, err := os.ReadFile(filepath.Join(comp, "Bom"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readBom(bomData)
	if err != nil {
		t.Fatalf("read Bom: %v", err)
	}
	if len(recs) != len(list) {
		t.Fatalf("Bom has %d paths, cpio %d", len(recs), len(list))
	}
	for _, r := range recs {
		name := "./" + strings.TrimPrefix(r.Path, "./")
		if r.Path == "." {
			name = "."
		}
		c, ok := list[name]
		if !ok {
			t.Errorf("Bom path %q is not in the Payload", r.Path)
			continue
		}
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		bm := fs.FileMode(r.Mode & 0o777)
		switch r.Mode & 0o170000 {
		case 0o040000:
			bm |= fs.ModeDir
		case 0o100000:
		default:
			t.Errorf("Bom %s: type bits of mode %o", r.Path, r.Mode)
		}
		if bm.String() != c.mode {
			t.Errorf("Bom %s: mode %v, payload %s", r.Path, bm, c.mode)
		}
		if int(r.UID) != c.uid || int(r.GID) != c.gid {
			t.Errorf("Bom %s: owner %d:%d, payload %d:%d", r.Path, r.UID, r.GID, c.uid, c.gid)
		}
		if int(r.Size) != c.size {
			t.Errorf("Bom %s: size %d, payload %d", r.Path, r.Size, c.size)
		}
		if int64(r.MTime) != epoch.Unix() {
			t.Errorf("Bom %s: mtime %d", r.Path, r.MTime)
		}
		wantType := uint8(2)
		if !fi.IsDir() {
			wantType = 1
			sum := strings.Fields(run(t, root, "cksum", name))[0]
			if strconv.FormatUint(uint64(r.Cksum), 10) != sum {
				t.Errorf("Bom %s: checksum %d, cksum(1) says %s", r.Path, r.Cksum, sum)
			}
		}
		if r.Type != wantType {
			t.Errorf("Bom %s: type %d, want %d", r.Path, r.Type, wantType)
		}
		if r.BomInfoNum != uint32(len(recs)+1) {
			t.Errorf("BomInfo counts %d paths, want %d", r.BomInfoNum, len(recs)+1)
		}
	}
}

func TestTOCChecksumsByGoMacho(t *testing.T) {
	f := write(t, sample(), nil)
	r, err := xar.Open(f)
	if err != nil {
		t.Fatalf("go-macho's xar reader: %v", err)
	}
	defer r.Close()
	if r.HasSignature() {
		t.Error("unsigned package has a signature")
	}
	names := 0
	for _, file := range r.Files {
		if file.Type != xar.FileTypeFile {
			continue
		}
		names++
		if !file.VerifyChecksum() {
			t.Errorf("%s: archived checksum does not match", file.Name)
		}
		rc, err := file.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		sum := sha1.Sum(data)
		if !bytes.Equal(sum[:], file.ExtractedChecksum.Sum) {
			t.Errorf("%s: extracted checksum does not match", file.Name)
		}
		if file.Info.Uid != 0 || file.Info.Gid != 0 {
			t.Errorf("%s: owner %d:%d in the TOC", file.Name, file.Info.Uid, file.Info.Gid)
		}
	}
	if names != 4 {
		t.Errorf("TOC has %d files, want 4", names)
	}

	// A damaged TOC checksum is caught: the check can fail.
	data, _ := os.ReadFile(f)
	tocLen := int(data[15]) | int(data[14])<<8
	data[28+tocLen] ^= 0xff
	if _, err := xar.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
		t.Error("a damaged TOC checksum went unnoticed")
	}
}

func TestDistributionAndPackageInfo(t *testing.T) {
	need(t, "bsdtar")
	p := sample()
	p.Postinstall = []byte("#!/bin/sh\nexit 0\n")
	dir := extract(t, write(t, p, nil))
	var dist struct {
		Title   string `xml:"title"`
		Options struct {
			Arch string `xml:"hostArchitectures,attr"`
		} `xml:"options"`
		Product struct {
			ID      string `xml:"id,attr"`
			Version string `xml:"version,attr"`
		} `xml:"product"`
		Refs []struct {
			ID      string `xml:"id,attr"`
			Version string `xml:"version,attr"`
			Target  string `xml:",chardata"`
		} `xml:"pkg-ref"`
	}
	readXML(t, filepath.Join(dir, "Distribution"), &dist)
	if dist.Title != "Sample tool" || dist.Options.Arch != "arm64,x86_64" || dist.Product.ID != "com.example.tool" || dist.Product.Version != "1.2.3" {
		t.Errorf("Distribution: %+v", dist)
	}
	found := false
	for _, r := range dist.Refs {
		if r.Target == "#com.example.tool.pkg" && r.Version == "1.2.3" {
			found = true
		}
	}
	if !found {
		t.Errorf("Distribution has no pkg-ref to the component: %+v", dist.Refs)
	}
	var info struct {
		ID       string `xml:"identifier,attr"`
		Version  string `xml:"version,attr"`
		Location string `xml:"install-location,attr"`
		Payload  struct {
			Files int `xml:"numberOfFiles,attr"`
		} `xml:"payload"`
		Post struct {
			File string `xml:"file,attr"`
		} `xml:"scripts>postinstall"`
	}
	readXML(t, filepath.Join(dir, "com.example.tool.pkg", "PackageInfo"), &info)
	if info.ID != "com.example.tool" || info.Version != "1.2.3" || info.Location != "/usr/local/example" || info.Payload.Files != 9 || info.Post.File != "./postinstall" {
		t.Errorf("PackageInfo: %+v", info)
	}
	need(t, "cpio", "gzip")
	list := cpioList(t, filepath.Join(dir, "com.example.tool.pkg", "Scripts"))
	if list["./postinstall"].mode != "-rwxr-xr-x" || list["./postinstall"].uid != 0 {
		t.Errorf("Scripts: %+v", list)
	}
}

func readXML(t *testing.T, f string, v any) {
	t.Helper()
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", f, err)
	}
}

func TestPayloadFree(t *testing.T) {
	need(t, "bsdtar")
	p := sample()
	p.Payload = nil
	p.Postinstall = []byte("#!/bin/sh\nexit 0\n")
	got := strings.Fields(run(t, "", "bsdtar", "-tf", write(t, p, nil)))
	sort.Strings(got)
	want := "Distribution com.example.tool.pkg com.example.tool.pkg/Bom com.example.tool.pkg/PackageInfo com.example.tool.pkg/Scripts"
	if strings.Join(got, " ") != want {
		t.Fatalf("payload-free package lists %q", got)
	}

	// Its Bom lists the install location alone, as root's 0755
	// directory: Installer applies the Bom's mode to the location, and
	// `installer mdm pkg` installs to "/", so any other mode would be
	// applied to "/".
	dir := extract(t, write(t, p, nil))
	bomData, err := os.ReadFile(filepath.Join(dir, "com.example.tool.pkg", "Bom"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readBom(bomData)
	if err != nil {
		t.Fatalf("read Bom: %v", err)
	}
	if len(recs) != 1 {
		t.Fatalf("payload-free Bom lists %d paths, want the location alone: %+v", len(recs), recs)
	}
	r := recs[0]
	if r.Path != "." || r.Mode != 0o040755 || r.UID != 0 || r.GID != 0 || r.Type != 2 {
		t.Errorf("payload-free Bom: %q mode %o owner %d:%d type %d, want \".\" mode 40755 owner 0:0 type 2 (directory)",
			r.Path, r.Mode, r.UID, r.GID, r.Type)
	}
}

func TestSameInputSameBytes(t *testing.T) {
	a, err := sample().Bytes(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := sample()
	// Entry order does not matter; the time does.
	for i, j := 0, len(p.Payload)-1; i < j; i, j = i+1, j-1 {
		p.Payload[i], p.Payload[j] = p.Payload[j], p.Payload[i]
	}
	b, _ := p.Bytes(nil)
	if !bytes.Equal(a, b) {
		t.Error("the same package gave different bytes")
	}
	p.MTime = epoch.Add(time.Second)
	c, _ := p.Bytes(nil)
	if bytes.Equal(a, c) {
		t.Error("another time gave the same bytes")
	}
}

func TestRefusesBadPackages(t *testing.T) {
	for name, mutate := range map[string]func(*flatpkg.Package){
		"no root":  func(p *flatpkg.Package) { p.Payload = p.Payload[2:] },
		"escape":   func(p *flatpkg.Package) { p.Payload = append(p.Payload, flatpkg.Entry{Path: "../etc", Mode: 0o644}) },
		"absolute": func(p *flatpkg.Package) { p.Payload = append(p.Payload, flatpkg.Entry{Path: "/etc/x", Mode: 0o644}) },
		"orphan":   func(p *flatpkg.Package) { p.Payload = append(p.Payload, flatpkg.Entry{Path: "lib/x", Mode: 0o644}) },
		"twice": func(p *flatpkg.Package) {
			p.Payload = append(p.Payload, flatpkg.Entry{Path: "bin", Mode: fs.ModeDir | 0o755})
		},
		"symlink": func(p *flatpkg.Package) {
			p.Payload = append(p.Payload, flatpkg.Entry{Path: "l", Mode: fs.ModeSymlink | 0o777})
		},
		"setuid": func(p *flatpkg.Package) {
			p.Payload = append(p.Payload, flatpkg.Entry{Path: "s", Mode: fs.ModeSetuid | 0o755})
		},
		"dir with data": func(p *flatpkg.Package) {
			p.Payload = append(p.Payload, flatpkg.Entry{Path: "d", Mode: fs.ModeDir, Data: []byte("x")})
		},
		"bad id":          func(p *flatpkg.Package) { p.ID = "com.example/../x" },
		"xml in version":  func(p *flatpkg.Package) { p.Version = `1"/><x a="` },
		"relative target": func(p *flatpkg.Package) { p.InstallLocation = "usr/local" },
		"unclean target":  func(p *flatpkg.Package) { p.InstallLocation = "/usr/local/../etc" },
	} {
		p := sample()
		mutate(&p)
		_, err := p.Bytes(nil)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error on several lines: %q", name, err)
		}
		f := filepath.Join(t.TempDir(), "bad.pkg")
		if p.WriteFile(f, nil) == nil {
			t.Errorf("%s: written", name)
		}
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s: a file was left behind", name)
		}
	}
}

func TestSignedVerifiesAndNamesTheCertificate(t *testing.T) {
	cert, p12 := flatpkgtest.Identity(t, "s3cret", epoch)
	dir := t.TempDir()
	p12File, pwFile := filepath.Join(dir, "id.p12"), filepath.Join(dir, "pw")
	os.WriteFile(p12File, p12, 0o600)
	os.WriteFile(pwFile, []byte("s3cret\n"), 0o600)
	id, err := flatpkg.LoadP12File(p12File, pwFile)
	if err != nil {
		t.Fatal(err)
	}
	f := write(t, sample(), id)
	r, err := xar.Open(f)
	if err != nil {
		t.Fatalf("go-macho's xar reader: %v", err)
	}
	defer r.Close()
	if !r.HasSignature() || !r.ValidSignature() {
		t.Fatalf("signature: present %v, error %v", r.HasSignature(), r.SignatureError)
	}
	if !r.Certificates[0].Equal(cert) || r.Certificates[0].Subject.CommonName != "Developer ID Installer: Test Org (TEAMID1234)" {
		t.Errorf("signed by %v", r.Certificates[0].Subject)
	}
	for _, file := range r.Files {
		if file.Type == xar.FileTypeFile && !file.VerifyChecksum() {
			t.Errorf("%s: checksum broken by signing", file.Name)
		}
	}
	// The CMS x-signature, checked by openssl against the certificate.
	checkCMS(t, f, cert)

	// Signing is deterministic too.
	again, _ := sample().Bytes(id)
	if data, _ := os.ReadFile(f); !bytes.Equal(data, again) {
		t.Error("signing twice gave different bytes")
	}

	// The signature covers the TOC: another key's signature fails.
	_, other := flatpkgtest.Identity(t, "x", epoch)
	oid, err := flatpkg.LoadP12(other, "x")
	if err != nil {
		t.Fatal(err)
	}
	forged := *oid
	forged.Chain = id.Chain
	data, _ := sample().Bytes(&forged)
	r2, err := xar.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if r2.ValidSignature() {
		t.Error("a signature by another key verified")
	}
}

func TestWrongPasswordIsOneLine(t *testing.T) {
	_, p12 := flatpkgtest.Identity(t, "right", epoch)
	dir := t.TempDir()
	p12File, pwFile := filepath.Join(dir, "id.p12"), filepath.Join(dir, "pw")
	os.WriteFile(p12File, p12, 0o600)
	os.WriteFile(pwFile, []byte("wrong\n"), 0o600)
	_, err := flatpkg.LoadP12File(p12File, pwFile)
	if err == nil || !strings.Contains(err.Error(), "wrong password") || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), p12File) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := flatpkg.LoadP12([]byte("not a p12"), ""); err == nil {
		t.Error("garbage accepted as an identity")
	}
}

func TestCksumMatchesPOSIX(t *testing.T) {
	// cksum(1) of "123456789" and of nothing.
	if got := flatpkg.Cksum([]byte("123456789")); got != 930766865 {
		t.Errorf("Cksum(123456789) = %d", got)
	}
	if got := flatpkg.Cksum(nil); got != 4294967295 {
		t.Errorf("Cksum() = %d", got)
	}
}

// checkCMS reads the TOC's x-signature and verifies it with openssl cms
// over the TOC digest, trusting only cert.
func checkCMS(t *testing.T, pkg string, cert *x509.Certificate) {
	t.Helper()
	need(t, "openssl")
	data, err := os.ReadFile(pkg)
	if err != nil {
		t.Fatal(err)
	}
	zlen := binary.BigEndian.Uint64(data[8:])
	zr, err := zlib.NewReader(bytes.NewReader(data[28 : 28+zlen]))
	if err != nil {
		t.Fatal(err)
	}
	var toc struct {
		X struct {
			Style  string   `xml:"style,attr"`
			Offset int      `xml:"offset"`
			Size   int      `xml:"size"`
			Certs  []string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"toc>x-signature"`
	}
	if err := xml.NewDecoder(zr).Decode(&toc); err != nil {
		t.Fatal(err)
	}
	if toc.X.Style != "CMS" || toc.X.Size == 0 || len(toc.X.Certs) != 1 {
		t.Fatalf("x-signature: %+v", toc.X)
	}
	heap := 28 + int(zlen)
	digest := sha1.Sum(data[28 : 28+zlen])
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "sig.der"), data[heap+toc.X.Offset:heap+toc.X.Offset+toc.X.Size], 0o644)
	os.WriteFile(filepath.Join(dir, "digest"), digest[:], 0o644)
	os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
	out := run(t, dir, "sh", "-c", "openssl cms -verify -inform DER -in sig.der -content digest -binary -CAfile ca.pem -purpose any -attime 1767323045 -out /dev/null 2>&1 && openssl cms -cmsout -print -inform DER -in sig.der")
	if !strings.Contains(out, "Verification successful") || !strings.Contains(out, "Developer ID Installer: Test Org (TEAMID1234)") {
		t.Errorf("openssl cms:\n%s", out)
	}
	// Another digest does not verify: the check can fail.
	os.WriteFile(filepath.Join(dir, "digest"), make([]byte, 20), 0o644)
	cmd := exec.Command("openssl", "cms", "-verify", "-inform", "DER", "-in", "sig.der", "-content", "digest", "-binary", "-CAfile", "ca.pem", "-purpose", "any", "-attime", "1767323045", "-out", os.DevNull)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("openssl verified the CMS signature over another digest: %s", out)
	}
}

// TestBomOrder: the Bom numbers paths as mkbom does, breadth first and,
// within a directory, by name; readBom returns them in that order.
func TestBomOrder(t *testing.T) {
	need(t, "bsdtar")
	dir := extract(t, write(t, sample(), nil))
	data, err := os.ReadFile(filepath.Join(dir, "com.example.tool.pkg", "Bom"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readBom(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Path)
	}
	want := []string{".", "bin", "empty", "share", "bin/helper", "bin/tool", "share/man", "share/man/man8", "share/man/man8/tool.8"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Bom order:\n %q\nwant\n %q", got, want)
	}
}

// TestPayloadOrderSizesAndTimes: the Payload lists "." first and every
// path in sorted order (a directory before what it holds); PackageInfo
// counts each file's size in whole KiB, rounded up; the time may be any
// second from 1970 to 2106, bounds included; a path whose directory is
// not in the payload is refused.
func TestPayloadOrderSizesAndTimes(t *testing.T) {
	need(t, "bsdtar", "cpio", "gzip")
	p := sample()
	dir := extract(t, write(t, p, nil))
	out := run(t, "", "sh", "-c", `gzip -dc "$1" | cpio -it -H odc --quiet`, "sh", filepath.Join(dir, "com.example.tool.pkg", "Payload"))
	var want []string
	for _, e := range p.Payload {
		want = append(want, path.Clean("./"+e.Path))
	}
	sort.Strings(want)
	for i := range want {
		if want[i] != "." {
			want[i] = "./" + want[i]
		}
	}
	if got := strings.Fields(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Payload order:\n %q\nwant\n %q", got, want)
	}
	var info struct {
		Payload struct {
			KBytes int `xml:"installKBytes,attr"`
		} `xml:"payload"`
	}
	readXML(t, filepath.Join(dir, "com.example.tool.pkg", "PackageInfo"), &info)
	// 22 bytes, 27000 bytes, 0 bytes and 11 bytes: 1 + 27 + 0 + 1 KiB.
	if info.Payload.KBytes != 29 {
		t.Errorf("installKBytes %d, want 29", info.Payload.KBytes)
	}

	for sec, ok := range map[int64]bool{-1: false, 0: true, 1<<32 - 1: true, 1 << 32: false} {
		q := sample()
		q.MTime = time.Unix(sec, 0)
		if _, err := q.Bytes(nil); (err == nil) != ok {
			t.Errorf("time %d: %v", sec, err)
		}
	}
	q := sample()
	q.Payload = append(q.Payload, flatpkg.Entry{Path: "nodir/file", Mode: 0o644})
	if _, err := q.Bytes(nil); err == nil || !strings.Contains(err.Error(), `its directory "nodir"`) {
		t.Errorf("a file without its directory: %v", err)
	}
}
