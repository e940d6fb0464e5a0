package install

import (
	"bytes"
	"errors"

	"howett.net/plist"

	"github.com/macfleet/installer/install/plistsafe"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
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

// bundleIDs is the app's CFBundleIdentifier from its Contents/Info.plist,
// for AssociatedBundleIdentifiers in both plists; none when it is missing
// or unreadable. Read once per plan, so both plists agree.
func (p *planner) bundleIDs() []string {
	if !p.bundleRead {
		p.bundleRead = true
		p.bundle = readBundleIDs(p.env.FS, p.opts.Product.AppBundle+"/Contents/Info.plist")
	}
	return p.bundle
}

// readBundleIDs reads an Info.plist that may belong to the user (an app
// she dragged in): root reads it only when it is a regular file, not a
// link, of at most 1 MiB, so a link to a FIFO or /dev/zero cannot hang or
// exhaust the install.
func readBundleIDs(fsys rootfs.FS, file string) []string {
	fi, err := fsys.Lstat(file)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
		return nil
	}
	b, err := fsys.ReadFile(file)
	if err != nil || len(b) > 1<<20 {
		return nil
	}
	if bytes.HasPrefix(b, []byte("bplist")) && plistsafe.CheckBinary(b, plistsafe.Limits{Objects: 10000, Nodes: 100000, Depth: 32}) != nil {
		return nil
	}
	var info struct {
		ID string `plist:"CFBundleIdentifier"`
	}
	if _, err := plist.Unmarshal(b, &info); err != nil || info.ID == "" {
		return nil
	}
	return []string{info.ID}
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
