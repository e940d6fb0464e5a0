// This code runs as root inside vmnetd: the profile decides whom the
// daemon serves and which key may sign its policies.

package helper

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/macfleet/installer/install/profile"
)

// Profile is the installer's single-user profile (package profile, the
// same schema and decoder the installer uses); vmnetd needs its User, UID,
// Product and PolicyKey.
type Profile = profile.Profile

// LoadProfile reads the profile at path. Because it decides who may use a
// root daemon, the file must be root-owned, not writable by others and not
// a link, in a directory only root can change; it is then read as the
// installer reads it (XML only, at most profile.MaxSize bytes).
func LoadProfile(path string) (Profile, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if err := checkTrustedFile(path); err != nil {
		return Profile{}, fmt.Errorf("profile: %w", err)
	}
	p, _, err := profile.Read(hostFS{}, path)
	if err != nil {
		return Profile{}, err
	}
	if p == nil {
		return Profile{}, fmt.Errorf("profile %s: %w", path, fs.ErrNotExist)
	}
	if err := checkServable(p); err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", path, err)
	}
	return *p, nil
}

// ParseProfile decodes profile bytes as the installer does and checks
// what vmnetd needs of them.
func ParseProfile(data []byte) (Profile, error) {
	p, err := profile.Decode(data)
	if err != nil {
		return Profile{}, fmt.Errorf("not a valid profile: %w", err)
	}
	if err := checkServable(p); err != nil {
		return Profile{}, err
	}
	return *p, nil
}

// checkServable checks what vmnetd needs beyond a valid profile: a user
// who is not root, and a policy key that decodes when one is pinned.
func checkServable(p *Profile) error {
	if p.UID <= 0 || p.UID > 1<<31-1 {
		return fmt.Errorf("key UID must be a non-root uid, got %d", p.UID)
	}
	if _, err := p.PublicKey(); err != nil {
		return err
	}
	return nil
}

// hostFS reads the host's files for profile.Read: never through a link in
// the last component, and never more than profile.MaxSize+1 bytes.
type hostFS struct{}

func (hostFS) Lstat(p string) (fs.FileInfo, error) { return os.Lstat(p) }

func (hostFS) ReadFile(p string) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, profile.MaxSize+1))
}
