// Package sampleroot builds a small directory tree laid out like a Mac's
// root filesystem, with a sample app bundle and users, for the demo and
// the tests: the same offline --root the installer uses on a mounted image.
package sampleroot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/macfleet/installer/install/product"
)

// MacHosts is the default /etc/hosts of macOS.
const MacHosts = "##\n# Host Database\n#\n# localhost is used to configure the loopback interface\n# when the system is booting.  Do not change this entry.\n##\n127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n::1             localhost\n"

// Tools are the sample app's bundled CLI tools.
var Tools = []string{"docker", "docker-compose", "docker-credential-desktop", "kubectl"}

// User is a sample account.
type User struct {
	Name     string
	UID, GID int
}

// Options shape the tree.
type Options struct {
	Product product.Descriptor
	Users   []User
	// Hosts is the content of /etc/hosts.
	Hosts string
	// NoUsrLocalBin leaves /usr/local/bin out, as on a fresh Apple-silicon Mac.
	NoUsrLocalBin bool
	// NoApp leaves the app bundle out.
	NoApp bool
}

// Build creates the tree in dir (which may exist). Ownership is applied
// only when running as root.
func Build(dir string, o Options) error {
	b := builder{dir: dir, root: os.Geteuid() == 0}
	for _, d := range []string{"private/etc", "private/var/run", "private/var/db/dslocal/nodes/Default/users",
		"Library/Application Support", "Library/LaunchDaemons", "Library/PrivilegedHelperTools", "Library/Logs",
		"Users/Shared", "usr/bin", "Applications"} {
		b.mkdir(d, 0o755)
	}
	b.mkdir("private/tmp", 0o1777)
	b.link("private/etc", "etc")
	b.link("private/var", "var")
	b.link("private/tmp", "tmp")
	if !o.NoUsrLocalBin {
		b.mkdir("usr/local/bin", 0o755)
	}
	b.file("private/etc/hosts", []byte(o.Hosts), 0o644)
	if !o.NoApp {
		app := strings.TrimPrefix(o.Product.AppBundle, "/")
		bin := strings.TrimPrefix(o.Product.BundledCLIDir(), "/")
		b.mkdir(bin, 0o755)
		b.file(app+"/Contents/Info.plist", infoPlist(o.Product), 0o644)
		for _, t := range Tools {
			b.file(bin+"/"+t, []byte("#!/bin/sh\necho \""+t+" (sample) $*\"\n"), 0o755)
		}
	}
	for _, u := range o.Users {
		home := "Users/" + u.Name
		b.mkdir(home, 0o750)
		b.chown(home, u.UID, u.GID)
		b.file("private/var/db/dslocal/nodes/Default/users/"+u.Name+".plist", dslocal(u), 0o600)
	}
	return b.err
}

type builder struct {
	dir  string
	root bool
	err  error
}

func (b *builder) p(rel string) string { return filepath.Join(b.dir, filepath.FromSlash(rel)) }

func (b *builder) mkdir(rel string, perm os.FileMode) {
	if b.err != nil {
		return
	}
	if b.err = os.MkdirAll(b.p(rel), 0o755); b.err == nil {
		b.err = os.Chmod(b.p(rel), perm)
	}
}

func (b *builder) link(target, rel string) {
	if b.err == nil {
		b.err = os.Symlink(target, b.p(rel))
	}
}

func (b *builder) file(rel string, data []byte, perm os.FileMode) {
	if b.err != nil {
		return
	}
	if b.err = os.MkdirAll(filepath.Dir(b.p(rel)), 0o755); b.err == nil {
		if b.err = os.WriteFile(b.p(rel), data, perm); b.err == nil {
			b.err = os.Chmod(b.p(rel), perm)
		}
	}
}

func (b *builder) chown(rel string, uid, gid int) {
	if b.err == nil && b.root {
		b.err = os.Lchown(b.p(rel), uid, gid)
	}
}

func infoPlist(d product.Descriptor) []byte {
	data, _ := plist.MarshalIndent(map[string]any{
		"CFBundleIdentifier": "com." + d.Name + "." + d.Name,
		"CFBundleName":       d.Name,
		"CFBundleVersion":    "4.37.0",
	}, plist.XMLFormat, "\t")
	return data
}

// dslocal is a user record as macOS stores it: a binary plist whose values
// are all arrays, with keys the installer must ignore.
func dslocal(u User) []byte {
	rec := map[string]any{
		"name":              []string{u.Name},
		"uid":               []string{strconv.Itoa(u.UID)},
		"gid":               []string{strconv.Itoa(u.GID)},
		"home":              []string{"/Users/" + u.Name},
		"shell":             []string{"/bin/zsh"},
		"realname":          []string{strings.ToUpper(u.Name[:1]) + u.Name[1:]},
		"generateduid":      []string{fmt.Sprintf("A1B2C3D4-0000-4000-8000-%012d", u.UID)},
		"passwd":            []string{"********"},
		"ShadowHashData":    [][]byte{bytes.Repeat([]byte{0x5a}, 32)},
		"accountPolicyData": [][]byte{[]byte("<plist/>")},
		"_writers_passwd":   []string{u.Name},
		"LinkedIdentity":    []map[string]any{{"created": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}},
	}
	data, _ := plist.Marshal(rec, plist.BinaryFormat)
	return data
}
