package main

import (
	"bytes"
	"context"
	"debug/macho"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/blacktop/go-macho/pkg/xar"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/sampleroot"
	"github.com/macfleet/installer/mdm/flatpkg/flatpkgtest"
)

var epoch = time.Unix(1767323045, 0)

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs it as root)", tool)
		}
	}
}

func sh(t *testing.T, dir, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", script, "sh"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

func build(t *testing.T, o Options) (Result, string) {
	t.Helper()
	if o.Out == "" {
		o.Out = filepath.Join(t.TempDir(), "dist")
	}
	o.Epoch = epoch
	r, err := Build(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r, o.Out
}

// TestDist is make dist twice: the same bytes, the files of docs/contract.md §12,
// read back with debug/macho, sha256sum, bsdtar, cpio and shellcheck.
func TestDist(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the distribution twice")
	}
	need(t, "git")
	r1, d1 := build(t, Options{})
	r2, d2 := build(t, Options{})
	if strings.Join(r1.Files, " ") != strings.Join(r2.Files, " ") {
		t.Fatalf("two runs made %v and %v", r1.Files, r2.Files)
	}
	v := r1.Version
	want := []string{"SHA256SUMS", "installer", "macfleet-installer-" + v + ".pkg", "macfleet-installer-uninstall-" + v + ".pkg", "vmnetd"}
	got := append([]string(nil), r1.Files...)
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("dist has %v, want %v", got, want)
	}
	entries, _ := os.ReadDir(d1)
	if len(entries) != len(want) {
		t.Errorf("dist holds %d files, want %d", len(entries), len(want))
	}
	for _, n := range want {
		a, _ := os.ReadFile(filepath.Join(d1, n))
		b, _ := os.ReadFile(filepath.Join(d2, n))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: two runs with the same SOURCE_DATE_EPOCH differ (%d, %d bytes)", n, len(a), len(b))
		}
	}
	t.Run("universal", func(t *testing.T) { checkUniversal(t, d1) })
	t.Run("sums", func(t *testing.T) {
		need(t, "sha256sum")
		sh(t, d1, "sha256sum -c --strict SHA256SUMS")
	})
	t.Run("tool package", func(t *testing.T) { checkToolPackage(t, d1, v) })
	t.Run("uninstall package", func(t *testing.T) { checkUninstallPackage(t, d1, v) })
}

func checkUniversal(t *testing.T, dir string) {
	for _, name := range []string{"installer", "vmnetd"} {
		f, err := macho.OpenFat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer f.Close()
		if len(f.Arches) != 2 {
			t.Fatalf("%s: %d slices", name, len(f.Arches))
		}
		cpus := map[macho.Cpu]bool{}
		for _, a := range f.Arches {
			cpus[a.Cpu] = true
			if a.Offset%(1<<a.Align) != 0 {
				t.Errorf("%s %v: offset %d not aligned to 2^%d", name, a.Cpu, a.Offset, a.Align)
			}
			signed := false
			for _, l := range a.Loads {
				if raw := l.Raw(); len(raw) >= 4 && a.ByteOrder.Uint32(raw) == lcCodeSignature {
					signed = true
				}
			}
			if a.Cpu == macho.CpuArm64 {
				if !signed {
					t.Errorf("%s arm64: no LC_CODE_SIGNATURE", name)
				}
				data, _ := io.ReadAll(io.NewSectionReader(fatReaderAt(t, dir, name), int64(a.Offset), int64(a.Size)))
				if err := checkAdhocSignature(data); err != nil {
					t.Errorf("%s arm64: %v", name, err)
				}
				// A changed code byte breaks the signature: the check can fail.
				data[4096+17] ^= 1
				if err := checkAdhocSignature(data); err == nil || !strings.Contains(err.Error(), "code page 1 does not match") {
					t.Errorf("%s arm64 with a changed byte: %v", name, err)
				}
			}
		}
		if !cpus[macho.CpuArm64] || !cpus[macho.CpuAmd64] {
			t.Errorf("%s: slices %v, want arm64 and x86_64", name, cpus)
		}
	}
}

func fatReaderAt(t *testing.T, dir, name string) io.ReaderAt {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}

func checkToolPackage(t *testing.T, dir, v string) {
	need(t, "bsdtar", "cpio", "gzip")
	pkg := filepath.Join(dir, "macfleet-installer-"+v+".pkg")
	list := strings.Fields(sh(t, "", `bsdtar -tf "$1" | sort`, pkg))
	wantList := "Distribution com.github.macfleet.installer.pkg com.github.macfleet.installer.pkg/Bom com.github.macfleet.installer.pkg/PackageInfo com.github.macfleet.installer.pkg/Payload"
	if strings.Join(list, " ") != wantList {
		t.Fatalf("bsdtar lists %v", list)
	}
	x := t.TempDir()
	sh(t, x, `bsdtar -xf "$1"`, pkg)
	dist, _ := os.ReadFile(filepath.Join(x, "Distribution"))
	for _, s := range []string{`<product id="com.github.macfleet.installer" version="` + v + `"/>`, `hostArchitectures="arm64,x86_64"`, "<title>macfleet installer " + v + "</title>"} {
		if !bytes.Contains(dist, []byte(s)) {
			t.Errorf("Distribution lacks %s:\n%s", s, dist)
		}
	}
	info, _ := os.ReadFile(filepath.Join(x, "com.github.macfleet.installer.pkg", "PackageInfo"))
	if !bytes.Contains(info, []byte(`install-location="/usr/local/macfleet"`)) {
		t.Errorf("PackageInfo does not install into /usr/local/macfleet:\n%s", info)
	}
	payload := filepath.Join(x, "com.github.macfleet.installer.pkg", "Payload")
	listing := sh(t, "", `gzip -dc "$1" | cpio -itv -n -H odc --quiet`, payload)
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(listing), "\n") {
		f := strings.Fields(l)
		got[f[len(f)-1]] = f[0] + " " + f[2] + ":" + f[3]
	}
	want := map[string]string{
		".":                            "drwxr-xr-x 0:0",
		"./bin":                        "drwxr-xr-x 0:0",
		"./bin/installer":              "-rwxr-xr-x 0:0",
		"./bin/vmnetd":                 "-rwxr-xr-x 0:0",
		"./share":                      "drwxr-xr-x 0:0",
		"./share/man":                  "drwxr-xr-x 0:0",
		"./share/man/man8":             "drwxr-xr-x 0:0",
		"./share/man/man8/installer.8": "-rw-r--r-- 0:0",
	}
	if len(got) != len(want) {
		t.Errorf("payload %v", got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("payload %s: %q, want %q", k, got[k], w)
		}
	}
	root := t.TempDir()
	sh(t, root, `gzip -dc "$1" | cpio -idm -H odc --quiet --no-absolute-filenames`, payload)
	for _, n := range []string{"installer", "vmnetd"} {
		a, _ := os.ReadFile(filepath.Join(root, "bin", n))
		b, _ := os.ReadFile(filepath.Join(dir, n))
		if !bytes.Equal(a, b) {
			t.Errorf("payload bin/%s is not dist/%s", n, n)
		}
	}
	man, _ := os.ReadFile(filepath.Join(root, "share/man/man8/installer.8"))
	if !bytes.HasPrefix(man, []byte(`.\"`)) || !bytes.Contains(man, []byte(".TH INSTALLER 8")) {
		t.Errorf("installer.8 is not a man page: %.80q", man)
	}
}

func checkUninstallPackage(t *testing.T, dir, v string) {
	need(t, "bsdtar", "cpio", "gzip")
	pkg := filepath.Join(dir, "macfleet-installer-uninstall-"+v+".pkg")
	list := strings.Fields(sh(t, "", `bsdtar -tf "$1" | sort`, pkg))
	if strings.Join(list, " ") != "Distribution com.github.macfleet.installer.uninstall.pkg com.github.macfleet.installer.uninstall.pkg/Bom com.github.macfleet.installer.uninstall.pkg/PackageInfo com.github.macfleet.installer.uninstall.pkg/Scripts" {
		t.Fatalf("bsdtar lists %v", list)
	}
	x := t.TempDir()
	sh(t, x, `bsdtar -xf "$1" && mkdir s && cd s && gzip -dc ../com.github.macfleet.installer.uninstall.pkg/Scripts | cpio -idm -H odc --quiet`, pkg)
	got, _ := os.ReadFile(filepath.Join(x, "s", "postinstall"))
	if string(got) != UninstallScript(v) {
		t.Errorf("Scripts/postinstall is not the uninstall script")
	}
}

// TestUninstallScript runs the uninstall package's postinstall with bash
// against a sample root where the installer installed for alice.
func TestUninstallScript(t *testing.T) {
	need(t, "bash", "go")
	script := UninstallScript("1.0.0")
	if _, err := exec.LookPath("shellcheck"); err == nil {
		cmd := exec.Command("shellcheck", "-s", "bash", "-")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("shellcheck: %v\n%s", err, out)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("an offline install for alice needs root")
	}
	bin := hostBinaries(t, "1.0.0")
	root := filepath.Join(t.TempDir(), "root")
	d, _ := product.Builtin("docker")
	if err := sampleroot.Build(root, sampleroot.Options{Product: d, Users: []sampleroot.User{{Name: "alice", UID: 501, GID: 20}}, Hosts: sampleroot.MacHosts}); err != nil {
		t.Fatal(err)
	}
	sh(t, "", `"$1" install --root="$2" --user=alice`, filepath.Join(bin, "installer"), root)
	if _, err := os.Stat(filepath.Join(root, d.ProfilePath())); err != nil {
		t.Fatalf("install left no profile: %v", err)
	}
	// The tool as the package put it on the target volume.
	tool := filepath.Join(root, Prefix, "bin")
	if err := os.MkdirAll(tool, 0o755); err != nil {
		t.Fatal(err)
	}
	sh(t, "", `cp "$1" "$2"`, filepath.Join(bin, "installer"), tool)
	post := filepath.Join(t.TempDir(), "postinstall")
	os.WriteFile(post, []byte(script), 0o755)
	sh(t, "", `bash "$1" /tmp/x.pkg / "$2" /`, post, root)
	if _, err := os.Stat(filepath.Join(root, d.ProfilePath())); !os.IsNotExist(err) {
		t.Errorf("profile still there after the uninstall package: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, Prefix)); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", Prefix, err)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/local")); err != nil {
		t.Errorf("/usr/local went too: %v", err)
	}

	// A failing uninstall keeps the tool for a retry and says so.
	os.MkdirAll(tool, 0o755)
	os.WriteFile(filepath.Join(tool, "installer"), []byte("#!/bin/sh\nexit 7\n"), 0o755)
	os.MkdirAll(filepath.Dir(filepath.Join(root, d.ProfilePath())), 0o755)
	os.WriteFile(filepath.Join(root, d.ProfilePath()), []byte("x"), 0o644)
	cmd := exec.Command("bash", post, "/tmp/x.pkg", "/", root, "/")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 || !strings.Contains(string(out), "kept for a retry") {
		t.Errorf("failing uninstall: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(tool, "installer")); err != nil {
		t.Errorf("the tool was removed after a failed uninstall")
	}
}

// hostBinaries builds installer and vmnetd for this machine with the
// distribution's link flags.
func hostBinaries(t *testing.T, version string) string {
	t.Helper()
	src, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, n := range []string{"installer", "vmnetd"} {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", LDFlags(version), "-o", filepath.Join(dir, n), "./cmd/"+n)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", n, err, out)
		}
	}
	return dir
}

// TestOneVersion: installer version, installer --version and vmnetd
// --version print the same version.
func TestOneVersion(t *testing.T) {
	need(t, "go")
	bin := hostBinaries(t, "4.5.6-rc.1+abc")
	for _, c := range [][]string{{"installer", "version"}, {"installer", "--version"}, {"vmnetd", "--version"}} {
		out, err := exec.Command(filepath.Join(bin, c[0]), c[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
		f := strings.Fields(string(out))
		if len(f) < 2 || f[0] != c[0] || (f[1] != "4.5.6-rc.1+abc" && !(f[1] == "version" && len(f) > 2 && f[2] == "4.5.6-rc.1+abc")) {
			t.Errorf("%v prints %q", c, out)
		}
	}
}

func TestVersionFromGit(t *testing.T) {
	need(t, "git")
	dir := t.TempDir()
	sh(t, dir, `git init -q && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m one`)
	v, err := Version(dir)
	commit := strings.TrimSpace(sh(t, dir, "git rev-parse --short=12 HEAD"))
	if err != nil || v != "0.0.0-dev+"+commit {
		t.Errorf("untagged: %q, %v", v, err)
	}
	sh(t, dir, `git tag v1.2.3 && git tag v1.10.0 && git tag v2.0.0-rc1 && git tag release-9 && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m two`)
	if v, err := Version(dir); err != nil || v != "1.10.0" {
		t.Errorf("tagged: %q, %v", v, err)
	}
	if _, err := Version(t.TempDir()); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("no git: %v", err)
	}
}

// TestSigned is make dist with SIGN_P12: both packages carry a signature
// that go-macho's xar reader verifies, by the throwaway certificate.
func TestSigned(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the distribution")
	}
	need(t, "git")
	cert, p12 := flatpkgtest.Identity(t, "pw", epoch)
	dir := t.TempDir()
	p12File, pw := filepath.Join(dir, "id.p12"), filepath.Join(dir, "pw")
	os.WriteFile(p12File, p12, 0o600)
	os.WriteFile(pw, []byte("pw\n"), 0o600)
	r, out := build(t, Options{SignP12: p12File, SignPasswordFile: pw})
	for _, n := range []string{"macfleet-installer-" + r.Version + ".pkg", "macfleet-installer-uninstall-" + r.Version + ".pkg"} {
		x, err := xar.Open(filepath.Join(out, n))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if !x.HasSignature() || !x.ValidSignature() || !x.Certificates[0].Equal(cert) {
			t.Errorf("%s: signed %v, valid %v (%v)", n, x.HasSignature(), x.ValidSignature(), x.SignatureError)
		} else if x.Certificates[0].Subject.CommonName != "Developer ID Installer: Test Org (TEAMID1234)" {
			t.Errorf("%s: names %v", n, x.Certificates[0].Subject)
		}
		x.Close()
	}
}

// TestWrongPassword: one line, and nothing written.
func TestWrongPassword(t *testing.T) {
	_, p12 := flatpkgtest.Identity(t, "right", epoch)
	dir := t.TempDir()
	p12File, pw := filepath.Join(dir, "id.p12"), filepath.Join(dir, "pw")
	os.WriteFile(p12File, p12, 0o600)
	os.WriteFile(pw, []byte("wrong\n"), 0o600)
	out := filepath.Join(dir, "dist")
	var log bytes.Buffer
	err := run(context.Background(), []string{"-out", out, "-version", "1.0.0"}, func(k string) string {
		return map[string]string{"SIGN_P12": p12File, "SIGN_P12_PASSWORD_FILE": pw, "SOURCE_DATE_EPOCH": "1767323045"}[k]
	}, &log)
	if err == nil || !strings.Contains(err.Error(), "wrong password") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the output directory was made: %v", err)
	}
	for _, env := range []map[string]string{
		{"SOURCE_DATE_EPOCH": "yesterday"},
		{"SIGN_P12_PASSWORD_FILE": pw},
		{"SIGN_P12": filepath.Join(dir, "missing.p12")},
	} {
		err := run(context.Background(), []string{"-out", out, "-version", "1.0.0"}, func(k string) string { return env[k] }, &log)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v", env, err)
		}
	}
	if err := run(context.Background(), []string{"-out", out, "-version", "1.0.0<x>"}, func(string) string { return "" }, &log); err == nil {
		t.Error("a version with XML characters was accepted")
	}
}

// TestReadmeInstallTable: the README's Install table lists exactly the
// files make dist makes.
func TestReadmeInstallTable(t *testing.T) {
	src, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(src, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## Install\n")
	if !ok {
		t.Fatal("README has no Install section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var got []string
	for _, l := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(l, "| `") {
			continue
		}
		first := strings.Split(l, "|")[1]
		for _, f := range strings.Split(first, ",") {
			got = append(got, strings.Trim(strings.TrimSpace(f), "`"))
		}
		if strings.Contains(l, "SHA256SUMS") {
			break // the end of the first table
		}
	}
	want := Names("<version>")
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("README Install table lists %q, make dist makes %q", got, want)
	}
	for _, upload := range []string{"Jamf Pro", "Intune", "Kandji", "Munki", "Fleet"} {
		if !strings.Contains(sec, "| "+upload+" | ") {
			t.Errorf("README Install table has no row for %s", upload)
		}
	}
}

// TestMakefileVersion: make's VERSION (make build) is mkdist's.
func TestMakefileVersion(t *testing.T) {
	need(t, "make", "git")
	src, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := Version(src)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "version")
	cmd.Dir = src
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "VERSION=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("make version says %q, mkdist %q", got, want)
	}
}

// thin is a minimal 64-bit Mach-O executable header for cpu.
func thin(cpu macho.Cpu, sub uint32, size int) []byte {
	b := make([]byte, size)
	le := binary.LittleEndian
	le.PutUint32(b[0:], macho.Magic64)
	le.PutUint32(b[4:], uint32(cpu))
	le.PutUint32(b[8:], sub)
	le.PutUint32(b[12:], uint32(macho.TypeExec))
	return b
}

func TestUniversal(t *testing.T) {
	arm, x86 := thin(macho.CpuArm64, 0, 5000), thin(macho.CpuAmd64, 3, 7000)
	fat, err := universal(arm, x86)
	if err != nil {
		t.Fatal(err)
	}
	f, err := macho.NewFatFile(bytes.NewReader(fat))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Arches) != 2 || f.Arches[0].Cpu != macho.CpuAmd64 || f.Arches[1].Cpu != macho.CpuArm64 {
		t.Fatalf("arches %+v", f.Arches)
	}
	for i, want := range []struct {
		off, size, align uint32
		sub              uint32
		data             []byte
	}{{4096, 7000, 12, 3, x86}, {16384, 5000, 14, 0, arm}} {
		a := f.Arches[i].FatArchHeader
		if a.Offset != want.off || a.Size != want.size || a.Align != want.align || a.SubCpu != want.sub {
			t.Errorf("slice %d: %+v", i, a)
		}
		if !bytes.Equal(fat[a.Offset:a.Offset+a.Size], want.data) {
			t.Errorf("slice %d: bytes changed", i)
		}
	}
	if _, err := universal(arm, thin(macho.CpuArm64, 0, 100)); err == nil {
		t.Error("two arm64 slices accepted")
	}
	if _, err := universal(arm, []byte("#!/bin/sh\n")); err == nil {
		t.Error("a script accepted as a slice")
	}
	if err := checkAdhocSignature(arm); err == nil || !strings.Contains(err.Error(), "no LC_CODE_SIGNATURE") {
		t.Errorf("unsigned slice: %v", err)
	}
}
