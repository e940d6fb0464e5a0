package main

import (
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/macfleet/installer/cmd/installer/app"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/mdm/flatpkg"
)

// manPage is installer(8) as the command tree of this version documents
// it.
func manPage(version string) []byte {
	app.Version = version
	return []byte(app.ManPage(app.NewApp(app.RealDeps())))
}

// ToolPackage installs, root:wheel, Prefix/bin/installer and vmnetd
// (0755) and Prefix/share/man/man8/installer.8 (0644): nothing outside
// Prefix, nothing on the default PATH.
func ToolPackage(version string, epoch time.Time, installer, vmnetd, man []byte) flatpkg.Package {
	dir := func(p string) flatpkg.Entry { return flatpkg.Entry{Path: p, Mode: fs.ModeDir | 0o755} }
	return flatpkg.Package{
		Title:             "macfleet installer " + version,
		ID:                ProductID,
		Version:           version,
		InstallLocation:   Prefix,
		HostArchitectures: "arm64,x86_64",
		MTime:             epoch,
		Payload: []flatpkg.Entry{
			dir("."), dir("bin"), dir("share"), dir("share/man"), dir("share/man/man8"),
			{Path: "bin/installer", Mode: 0o755, Data: installer},
			{Path: "bin/vmnetd", Mode: 0o755, Data: vmnetd},
			{Path: "share/man/man8/installer.8", Mode: 0o644, Data: man},
		},
	}
}

// UninstallPackage is payload-free: its postinstall uninstalls every
// built-in product whose profile exists on the target volume, then
// removes Prefix and forgets the tool package's receipt.
func UninstallPackage(version string, epoch time.Time) flatpkg.Package {
	return flatpkg.Package{
		Title:             "macfleet installer " + version + " (uninstall)",
		ID:                ProductID + ".uninstall",
		Version:           version,
		InstallLocation:   "/",
		HostArchitectures: "arm64,x86_64",
		MTime:             epoch,
		Postinstall:       []byte(UninstallScript(version)),
	}
}

// UninstallScript is the uninstall package's postinstall. Installer runs
// it as root with the target volume as $3.
func UninstallScript(version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/bash
# postinstall of macfleet-installer-uninstall-%s.pkg (runs as root).
# Uninstalls every product whose profile exists on the target volume,
# then removes %s and forgets the receipt of %s.
# A failed uninstall keeps the tool, so that the next run can retry.
target="${3:-/}"
vol="${target%%/}"
bin="$vol%s/bin/installer"
status=0
`, version, Prefix, ProductID, Prefix)
	for _, name := range product.Names() {
		d, err := product.Builtin(name)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, `if [ -e "$vol%s" ]; then
  if [ "$target" = / ]; then
    "$bin" uninstall --product=%s || status=$?
  else
    "$bin" uninstall --product=%s --root="$target" || status=$?
  fi
fi
`, d.ProfilePath(), name, name)
	}
	fmt.Fprintf(&b, `if [ "$status" -ne 0 ]; then
  echo "macfleet uninstall: installer uninstall failed (exit $status); %s kept for a retry" >&2
  exit "$status"
fi
rm -rf "$vol%s"
if [ -x /usr/sbin/pkgutil ]; then
  /usr/sbin/pkgutil --volume "$target" --forget %s >/dev/null 2>&1 || true
fi
exit 0
`, Prefix, Prefix, ProductID)
	return b.String()
}
