package appinfo

import (
	"bytes"

	"howett.net/plist"

	"github.com/macfleet/installer/install/plistsafe"
	"github.com/macfleet/installer/install/rootfs"
)

// Info is what the app's Contents/Info.plist says about it.
type Info struct {
	// ID is CFBundleIdentifier ("com.docker.docker").
	ID string `plist:"CFBundleIdentifier"`
	// VersionText is CFBundleShortVersionString ("4.37.2").
	VersionText string `plist:"CFBundleShortVersionString"`
	// VmnetdVersion is the helper version the app expects to find in its
	// helper's LaunchDaemon plist (key Version); empty when it has none.
	VmnetdVersion string `plist:"VmnetdVersion"`
}

// Version is the app's version; unknown when missing or unparsable.
func (i Info) Version() Version { return ParseVersion(i.VersionText) }

// maxInfo bounds an Info.plist: real ones are a few KiB.
const maxInfo = 1 << 20

// Read reads file (an Info.plist) from fsys. The app may belong to the
// user (an app she dragged in), so root reads it only when it is a
// regular file, not a link, of at most 1 MiB, and a binary plist only
// after plistsafe's checks: a link to a FIFO or /dev/zero, or a crafted
// plist, can neither hang nor exhaust the install. A file that cannot be
// read that way is the zero Info (unknown version, no identifier).
func Read(fsys rootfs.FS, file string) Info {
	fi, err := fsys.Lstat(file)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxInfo {
		return Info{}
	}
	b, err := fsys.ReadFile(file)
	if err != nil || len(b) > maxInfo {
		return Info{}
	}
	return Parse(b)
}

// Parse decodes Info.plist bytes (XML or binary); the zero Info when they
// are not a plist dictionary.
func Parse(b []byte) Info {
	if bytes.HasPrefix(b, []byte("bplist")) && plistsafe.CheckBinary(b, plistsafe.Limits{Objects: 10000, Nodes: 100000, Depth: 32}) != nil {
		return Info{}
	}
	var info Info
	if _, err := plist.Unmarshal(b, &info); err != nil {
		return Info{}
	}
	return info
}
