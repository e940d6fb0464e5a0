package install

import (
	"errors"

	"howett.net/plist"

	"github.com/macfleet/installer/install/appinfo"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
)

// launchDaemon is a LaunchDaemon plist; encoded with howett.net/plist.
type launchDaemon struct {
	Label string `plist:"Label"`
	// Program is set for the app's own helper only (its shape: docs/contract.md §4 step 8).
	Program          string     `plist:"Program,omitempty"`
	ProgramArguments []string   `plist:"ProgramArguments"`
	RunAtLoad        bool       `plist:"RunAtLoad"`
	KeepAlive        *keepAlive `plist:"KeepAlive,omitempty"`
	// Sockets is the listening socket launchd makes for the app's own
	// helper, which takes it from launchd (ours makes its own).
	Sockets *jobSockets `plist:"Sockets,omitempty"`
	// AssociatedBundleIdentifiers names the app in System Settings >
	// Login Items (Background Task Management, macOS 13+).
	AssociatedBundleIdentifiers []string `plist:"AssociatedBundleIdentifiers,omitempty"`
	StandardOutPath             string   `plist:"StandardOutPath,omitempty"`
	StandardErrorPath           string   `plist:"StandardErrorPath,omitempty"`
	// Version is the app's VmnetdVersion: the app compares the two at
	// launch and asks to reinstall its helper when they differ.
	Version string `plist:"Version,omitempty"`
}

// jobSockets is a LaunchDaemon's Sockets dictionary with one socket.
type jobSockets struct {
	Listener jobSocket `plist:"Listener"`
}

// jobSocket is a Unix socket launchd creates for the job; 438 is 0666
// (the app's helper checks its peers itself).
type jobSocket struct {
	SockPathName string `plist:"SockPathName"`
	SockPathMode int    `plist:"SockPathMode"`
}

// helperDaemon is the helper's LaunchDaemon: the app's own helper gets
// the app's shape (Program, no arguments of ours, its socket from
// launchd), ours its arguments and KeepAlive; both carry the app's
// VmnetdVersion when it has one (docs/contract.md §4 step 8).
func (p *planner) helperDaemon(appsOwn bool) launchDaemon {
	d := p.opts.Product
	ld := launchDaemon{
		Label:                       d.HelperLabel,
		RunAtLoad:                   true,
		AssociatedBundleIdentifiers: p.bundleIDs(),
		StandardOutPath:             d.HelperLogPath(),
		StandardErrorPath:           d.HelperLogPath(),
		Version:                     p.appInfo().VmnetdVersion,
	}
	if appsOwn {
		ld.Program = d.HelperBinary()
		ld.ProgramArguments = []string{d.HelperBinary()}
		ld.Sockets = &jobSockets{Listener: jobSocket{SockPathName: d.HelperSocket, SockPathMode: 0o666}}
		return ld
	}
	ld.ProgramArguments = helperArgs(d)
	ld.KeepAlive = &keepAlive{SuccessfulExit: false}
	return ld
}

// AppsOwnHelper reports whether the helper plist installed in fsys is the
// app's own helper's shape (a Sockets listener from launchd), not ours:
// our commands (policy, version, uninstall) are then not served.
func AppsOwnHelper(fsys rootfs.FS, d product.Descriptor) bool {
	fi, err := fsys.Lstat(d.HelperPlist())
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
		return false
	}
	b, err := fsys.ReadFile(d.HelperPlist())
	if err != nil {
		return false
	}
	var ld struct {
		Sockets map[string]any `plist:"Sockets"`
	}
	if _, err := plist.Unmarshal(b, &ld); err != nil {
		return false
	}
	return len(ld.Sockets) > 0
}

// plistVersion is the Version key of a LaunchDaemon plist's bytes, "".
func plistVersion(b []byte) string {
	var ld struct {
		Version string `plist:"Version"`
	}
	if _, err := plist.Unmarshal(b, &ld); err != nil {
		return ""
	}
	return ld.Version
}

// keepAlive restarts a job only when it did not exit 0: a helper that
// exits 0 after an uninstall request stays down.
type keepAlive struct {
	SuccessfulExit bool `plist:"SuccessfulExit"`
}

// appInfo is the app's Contents/Info.plist (appinfo.Read: only a regular
// file of at most 1 MiB, never through a link), read once per plan so that
// every step and both plists agree.
func (p *planner) appInfo() appinfo.Info {
	if !p.appRead {
		p.appRead = true
		p.app = appinfo.Read(p.env.FS, p.opts.Product.InfoPlist())
	}
	return p.app
}

// bundleIDs is the app's CFBundleIdentifier, for AssociatedBundleIdentifiers
// in both plists; none when it is missing or unreadable.
func (p *planner) bundleIDs() []string {
	if id := p.appInfo().ID; id != "" {
		return []string{id}
	}
	return nil
}

// fromFile reports whether the product came from --product-file, not from
// a built-in descriptor: vmnetd then needs the descriptor installed.
func fromFile(d product.Descriptor) bool {
	b, err := product.Builtin(d.Name)
	return err != nil || b != d
}

// productFile is where a --product-file descriptor is installed for vmnetd.
func productFile(d product.Descriptor) string { return d.AppSupportDir + "/product.plist" }

// helperArgs is the helper's command line (docs/contract.md §4 step 8).
func helperArgs(d product.Descriptor) []string {
	if fromFile(d) {
		return []string{d.HelperBinary(), "--product-file", productFile(d)}
	}
	return []string{d.HelperBinary(), "--product", d.Name}
}

// errNotRootsHelper refuses a helper binary from an app bundle root does
// not control (a drag-installed app): root would run what its owner puts
// there.
func errNotRootsHelper(path string, err error) error {
	var e *Error
	msg := err.Error()
	if errors.As(err, &e) {
		msg = e.Err.Error()
	}
	return Errorf(KindUnsafe, "refusing the helper binary %s: %s; pass --helper-binary PATH, or install the app as root (a pkg or your MDM) so that root owns it", path, msg)
}
