package helper

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"os"

	"howett.net/plist"
)

// Profile is the part of the installer's single-user profile (SPEC.md §6)
// that vmnetd needs: whom to serve, and which key may sign policies.
type Profile struct {
	User      string `plist:"User"`
	UID       int64  `plist:"UID"`
	Product   string `plist:"Product"`
	Home      string `plist:"Home"`
	PolicyKey string `plist:"PolicyKey"` // base64 ed25519 public key, optional
}

// maxProfileSize bounds what root reads; a real profile is a few KB.
const maxProfileSize = 4 << 20

// LoadProfile reads the profile at path. Because it decides who may use a
// root daemon, the file must be root-owned, not writable by others and not
// a link, in a directory only root can change.
func LoadProfile(path string) (Profile, error) {
	if err := checkTrustedFile(path); err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxProfileSize+1))
	if err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", path, err)
	}
	if len(data) > maxProfileSize {
		return Profile{}, fmt.Errorf("profile %s is larger than %d bytes", path, maxProfileSize)
	}
	p, err := ParseProfile(data)
	if err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", path, err)
	}
	return p, nil
}

// ParseProfile decodes and validates profile bytes (XML or binary plist).
func ParseProfile(data []byte) (Profile, error) {
	var p Profile
	if _, err := plist.Unmarshal(data, &p); err != nil {
		return Profile{}, fmt.Errorf("not a valid plist: %w", err)
	}
	if p.User == "" {
		return Profile{}, fmt.Errorf("key User is missing")
	}
	if p.UID <= 0 || p.UID > 1<<31-1 {
		return Profile{}, fmt.Errorf("key UID must be a non-root uid, got %d", p.UID)
	}
	if _, err := p.PublicKey(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// PublicKey decodes PolicyKey; nil when none was pinned at install.
func (p Profile) PublicKey() (ed25519.PublicKey, error) {
	if p.PolicyKey == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(p.PolicyKey)
	if err != nil {
		return nil, fmt.Errorf("key PolicyKey is not base64: %w", err)
	}
	if len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("key PolicyKey is %d bytes, want an ed25519 public key of %d", len(k), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(k), nil
}
