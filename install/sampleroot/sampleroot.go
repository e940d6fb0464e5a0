package sampleroot

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/macfleet/installer/install/appinfo"
	"github.com/macfleet/installer/install/product"
)

// MacHosts is the default /etc/hosts of macOS.
const MacHosts = "##\n# Host Database\n#\n# localhost is used to configure the loopback interface\n# when the system is booting.  Do not change this entry.\n##\n127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n::1             localhost\n"

// MacPaths is /etc/paths of macOS: /usr/local/bin comes first.
const MacPaths = "/usr/local/bin\n/System/Cryptexes/App/usr/bin\n/usr/bin\n/bin\n/usr/sbin\n/sbin\n"

// Tools are the sample app's bundled CLI tools.
var Tools = []string{"docker", "docker-compose", "docker-credential-desktop", "kubectl"}

// The macOS groups that matter for trust (docs/macos.md, "Groups").
const (
	Wheel  = 0
	Daemon = 1
	Staff  = 20
	Admin  = 80
)

// User is a sample account.
type User struct {
	Name     string
	UID, GID int
}

// Options shape the tree. The zero value of every variant is the booted
// Mac of docs/macos.md.
type Options struct {
	Product product.Descriptor
	Users   []User
	// Hosts is the content of /etc/hosts.
	Hosts string
	// NoApp leaves the app bundle out.
	NoApp bool
	// AppVersion is the app's CFBundleShortVersionString: "" is
	// DefaultAppVersion, "none" leaves it out (an unknown version).
	AppVersion string
	// VmnetdVersion is the helper version the app's Info.plist names: ""
	// is DefaultVmnetdVersion for an app that ships its own helper (up to
	// the product's LastOwnHelper) and none for a later one; "none"
	// leaves it out.
	VmnetdVersion string

	// AsBuilt gives / root:wheel 0755 and /private/var/run root:daemon
	// 0755 instead of the booted Mac's / root:admin 1775 and
	// /private/var/run 0775: the strict modes both must work with.
	AsBuilt bool
	// DraggedApp makes the app bundle belong to the first user
	// (alice:admin 0755), as a Finder drag from a disk image leaves it.
	DraggedApp bool
	// BrewUsrLocal makes /usr/local/bin belong to the first user
	// (user:admin 0755), as Homebrew on an Intel Mac leaves it.
	BrewUsrLocal bool
	// NoUsrLocal leaves /usr/local out, as on a fresh Apple-silicon Mac.
	NoUsrLocal bool
	// AppStore gives the first user the app's group container with the
	// settings store Docker Desktop 4.37 writes (49 keys, a proxy URL
	// holding a password, values left from an earlier install that ask
	// for privileges) and a leftover settings.json of a 4.30 install.
	AppStore bool
	// Plain is the old all-root:root, 0755 tree (no admin, daemon or staff
	// groups), kept as one variant only.
	Plain bool
}

// Entry is one path of the tree with the owner and mode it gets.
type Entry struct {
	Path     string // relative to the root, "." for the root itself
	Mode     os.FileMode
	UID, GID int
	Link     string // symlink target, for links
	Data     []byte // file content, for regular files
	Dir      bool
}

// Layout lists what Build creates for o, in creation order.
func Layout(o Options) []Entry {
	var es []Entry
	dir := func(p string, mode os.FileMode, uid, gid int) {
		es = append(es, Entry{Path: p, Dir: true, Mode: mode, UID: uid, GID: gid})
	}
	file := func(p string, data []byte, mode os.FileMode, uid, gid int) {
		es = append(es, Entry{Path: p, Data: data, Mode: mode, UID: uid, GID: gid})
	}
	link := func(target, p string) {
		es = append(es, Entry{Path: p, Link: target, Mode: os.ModeSymlink | 0o755})
	}
	first := User{Name: "root"}
	if len(o.Users) > 0 {
		first = o.Users[0]
	}

	rootMode, rootGID, runMode := os.ModeSticky|0o775, Admin, os.FileMode(0o775)
	if o.AsBuilt {
		rootMode, rootGID, runMode = 0o755, Wheel, 0o755
	}
	dir(".", rootMode, 0, rootGID)
	dir("Applications", 0o775, 0, Admin)
	dir("Library", 0o775, 0, Admin)
	dir("Library/Application Support", 0o755, 0, Admin)
	dir("Library/LaunchDaemons", 0o755, 0, Wheel)
	dir("Library/Logs", 0o775, 0, Admin)
	dir("Library/Preferences", 0o755, 0, Wheel)
	dir("Library/Managed Preferences", 0o755, 0, Wheel)
	// /Library/PrivilegedHelperTools is absent on a fresh Mac.
	dir("Users", 0o755, 0, Admin)
	dir("Users/Shared", os.ModeSticky|0o777, 0, Wheel)
	dir("private", 0o755, 0, Wheel)
	dir("private/etc", 0o755, 0, Wheel)
	dir("private/etc/paths.d", 0o755, 0, Wheel)
	dir("private/etc/newsyslog.d", 0o755, 0, Wheel)
	file("private/etc/hosts", []byte(o.Hosts), 0o644, 0, Wheel)
	file("private/etc/paths", []byte(MacPaths), 0o644, 0, Wheel)
	dir("private/var", 0o755, 0, Wheel)
	dir("private/var/run", runMode, 0, Daemon)
	dir("private/var/db", 0o755, 0, Wheel)
	dir("private/var/db/dslocal", 0o755, 0, Wheel)
	dir("private/var/db/dslocal/nodes", 0o755, 0, Wheel)
	dir("private/var/db/dslocal/nodes/Default", 0o755, 0, Wheel)
	dir("private/var/db/dslocal/nodes/Default/users", 0o755, 0, Wheel)
	dir("private/tmp", os.ModeSticky|0o777, 0, Wheel)
	link("private/etc", "etc")
	link("private/var", "var")
	link("private/tmp", "tmp")
	dir("usr", 0o755, 0, Wheel)
	dir("usr/bin", 0o755, 0, Wheel)
	if !o.NoUsrLocal {
		dir("usr/local", 0o755, 0, Wheel)
		if o.BrewUsrLocal {
			dir("usr/local/bin", 0o755, first.UID, Admin)
		} else {
			dir("usr/local/bin", 0o755, 0, Wheel)
		}
	}
	dir("dev", 0o555, 0, Wheel)
	// The console user owns /dev/console: the first user is logged in.
	file("dev/console", nil, 0o600, first.UID, Wheel)

	if !o.NoApp {
		appUID, appGID := 0, Admin
		if o.DraggedApp {
			appUID = first.UID
		}
		app := strings.TrimPrefix(o.Product.AppBundle, "/")
		bin := strings.TrimPrefix(o.Product.BundledCLIDir(), "/")
		for p := bin; p != "Applications"; p = filepath.ToSlash(filepath.Dir(p)) {
			dir(p, 0o755, appUID, appGID)
		}
		file(app+"/Contents/Info.plist", infoPlist(o), 0o644, appUID, appGID)
		for _, t := range Tools {
			file(bin+"/"+t, []byte("#!/bin/sh\necho \""+t+" (sample) $*\"\n"), 0o755, appUID, appGID)
		}
	}
	for _, u := range o.Users {
		dir("Users/"+u.Name, 0o750, u.UID, u.GID)
		file("private/var/db/dslocal/nodes/Default/users/"+u.Name+".plist", dslocal(u), 0o600, 0, Wheel)
	}
	if o.AppStore && len(o.Users) > 0 && o.Product.GroupContainer != "" {
		// ~/Library and the containers are the user's 0700, as macOS
		// makes them (docs/macos.md).
		home := "Users/" + first.Name
		gc := home + "/" + o.Product.GroupContainerDir()
		for _, d := range []string{home + "/Library", home + "/Library/Group Containers", gc} {
			dir(d, 0o700, first.UID, first.GID)
		}
		file(gc+"/"+o.Product.SettingsStore, storeJSON, 0o644, first.UID, first.GID)
		file(gc+"/"+o.Product.LegacySettings, legacyJSON, 0o644, first.UID, first.GID)
	}
	if o.Plain {
		for i := range es {
			e := &es[i]
			if n := userName(e.Path); e.Dir && n != "" && n != "Shared" {
				continue // homes keep their owner
			}
			e.UID, e.GID = 0, 0
			switch {
			case e.Link != "", e.Path == "private/tmp":
			case e.Dir || e.Mode&0o100 != 0:
				e.Mode = 0o755
			default:
				e.Mode = 0o644
			}
		}
	}
	return es
}

func userName(p string) string {
	rest, ok := strings.CutPrefix(p, "Users/")
	if !ok || strings.Contains(rest, "/") {
		return ""
	}
	return rest
}

// Build creates the tree in dir (which may exist). Ownership is applied
// only when running as root; then a directory the owner could not write
// (/dev, 0555) stays owner-writable, so that the caller can remove the
// tree again.
func Build(dir string, o Options) error {
	root := os.Geteuid() == 0
	es := Layout(o)
	p := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	for _, e := range es {
		var err error
		switch {
		case e.Dir:
			err = os.MkdirAll(p(e.Path), 0o755)
		case e.Link != "":
			err = os.Symlink(e.Link, p(e.Path))
		default:
			if err = os.MkdirAll(filepath.Dir(p(e.Path)), 0o755); err == nil {
				err = os.WriteFile(p(e.Path), e.Data, 0o600)
			}
		}
		if err != nil {
			return fmt.Errorf("sample root: %w", err)
		}
	}
	// Owners and modes last, deepest first, so that a read-only directory
	// (/dev) is filled before it is closed.
	sort.SliceStable(es, func(i, j int) bool { return strings.Count(es[i].Path, "/") > strings.Count(es[j].Path, "/") })
	for _, e := range es {
		if e.Link != "" {
			if root {
				if err := os.Lchown(p(e.Path), 0, 0); err != nil {
					return fmt.Errorf("sample root: %w", err)
				}
			}
			continue
		}
		if root {
			if err := os.Lchown(p(e.Path), e.UID, e.GID); err != nil {
				return fmt.Errorf("sample root: %w", err)
			}
		}
		mode := e.Mode
		if !root && e.Dir {
			mode |= 0o700
		}
		if err := os.Chmod(p(e.Path), mode); err != nil {
			return fmt.Errorf("sample root: %w", err)
		}
	}
	return nil
}

// BundleID is the sample app's CFBundleIdentifier.
func BundleID(d product.Descriptor) string { return "com." + d.Name + "." + d.Name }

// DefaultAppVersion and DefaultVmnetdVersion are the sample app's
// versions: a current Docker Desktop that still ships its own helper.
const (
	DefaultAppVersion    = "4.37.2"
	DefaultVmnetdVersion = "59"
)

// Versions are the app version and VmnetdVersion the sample Info.plist
// carries for o ("" for a key left out).
func (o Options) Versions() (app, vmnetd string) {
	app, vmnetd = o.AppVersion, o.VmnetdVersion
	if app == "" {
		app = DefaultAppVersion
	}
	if app == "none" {
		app = ""
	}
	if vmnetd == "" && o.Product.HasOwnHelper(appinfo.ParseVersion(app)) {
		vmnetd = DefaultVmnetdVersion
	}
	if vmnetd == "none" {
		vmnetd = ""
	}
	return app, vmnetd
}

func infoPlist(o Options) []byte {
	d := o.Product
	info := map[string]any{
		"CFBundleIdentifier": BundleID(d),
		"CFBundleName":       d.Name,
		"CFBundleVersion":    "178610",
	}
	app, vmnetd := o.Versions()
	if app != "" {
		info["CFBundleShortVersionString"] = app
	}
	if vmnetd != "" {
		info["VmnetdVersion"] = vmnetd
	}
	data, _ := plist.MarshalIndent(info, plist.XMLFormat, "\t")
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

// storeJSON is a settings store as Docker Desktop 4.37 writes it, left
// from an earlier install: its CLI in ~/.docker/bin, the helper and the
// first-run window still wanted (docs/docker-desktop.md).
//
//go:embed store/settings-store.json
var storeJSON []byte

// legacyJSON is the settings.json a 4.30 install left beside it.
//
//go:embed store/settings.json
var legacyJSON []byte
