package install

import (
	"errors"

	"github.com/macfleet/installer/install/profile"
	"github.com/macfleet/installer/install/rootfs"
)

// The profile's schema, decoder and safe read live in package profile,
// shared with vmnetd; these names keep the installer's callers short.
type (
	// Profile is the single-user profile (package profile).
	Profile = profile.Profile
	// Item is one receipt entry of a profile.
	Item = profile.Item
	// Settings are the vendor's own install settings a profile records.
	Settings = profile.Settings
	// AppKey is one key of the app's settings store that install set.
	AppKey = profile.AppKey
)

// encodeProfile gives the profile's canonical XML bytes.
func encodeProfile(p *Profile) ([]byte, error) { return profile.Encode(p) }

// DecodeProfile parses a profile (an XML plist only).
func DecodeProfile(data []byte) (*Profile, error) { return profile.Decode(data) }

// ReadProfile reads the profile at path; (nil, nil) when there is none. A
// file that cannot be the profile is KindUnsafe.
func ReadProfile(fsys rootfs.FS, path string) (*Profile, []byte, error) {
	p, data, err := profile.Read(fsys, path)
	var unsafe *profile.UnsafeError
	if errors.As(err, &unsafe) {
		return nil, nil, &Error{Kind: KindUnsafe, Err: err}
	}
	return p, data, err
}
