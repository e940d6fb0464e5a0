package install

import (
	"errors"

	"github.com/macfleet/installer/install/appinfo"
	"github.com/macfleet/installer/install/product"
)

// launchDaemon is a LaunchDaemon plist; encoded with howett.net/plist.
type launchDaemon struct {
	Label            string     `plist:"Label"`
	ProgramArguments []string   `plist:"ProgramArguments"`
	RunAtLoad        bool       `plist:"RunAtLoad"`
	KeepAlive        *keepAlive `plist:"KeepAlive,omitempty"`
	// AssociatedBundleIdentifiers names the app in System Settings >
	// Login Items (Background Task Management, macOS 13+).
	AssociatedBundleIdentifiers []string `plist:"AssociatedBundleIdentifiers,omitempty"`
	StandardOutPath             string   `plist:"StandardOutPath,omitempty"`
	StandardErrorPath           string   `plist:"StandardErrorPath,omitempty"`
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

// helperArgs is the helper's command line (SPEC.md §4 step 7).
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
