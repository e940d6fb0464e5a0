package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"howett.net/plist"

	"github.com/macfleet/installer/install/rootfs"
)

// Profile is the single-user profile of SPEC.md §6, stored as an XML plist
// in the app support dir. It is both the record of the options the machine
// was set up with and, through Receipt, the exact list of what uninstall
// must undo.
type Profile struct {
	User            string   `plist:"User"`
	UID             int      `plist:"UID"`
	GID             int      `plist:"GID"`
	Home            string   `plist:"Home"`
	Product         string   `plist:"Product"`
	CLILocation     string   `plist:"CLILocation"`
	PathEdit        string   `plist:"PathEdit"`
	DockerSocket    bool     `plist:"DockerSocket"`
	PrivilegedPorts bool     `plist:"PrivilegedPorts"`
	Kubernetes      bool     `plist:"Kubernetes"`
	Settings        Settings `plist:"Settings"`
	// AppSettings says the app's own settings store was set (step
	// app-settings); AppVersion is the app's version the install saw
	// ("unknown" when its Info.plist has none).
	AppSettings bool   `plist:"AppSettings"`
	AppVersion  string `plist:"AppVersion,omitempty"`
	PolicyKey   string `plist:"PolicyKey,omitempty"`
	// HelperSHA256 is the sha256 of the vmnetd install took from
	// --helper-binary: status compares the installed helper with it.
	HelperSHA256     string    `plist:"HelperSHA256,omitempty"`
	InstallerVersion string    `plist:"InstallerVersion"`
	InstalledAt      time.Time `plist:"InstalledAt"`
	OwnershipApplied bool      `plist:"OwnershipApplied"`
	Receipt          []Item    `plist:"Receipt"`
	// Pending marks a journal: the run that wrote it had not finished.
	Pending bool `plist:"Pending,omitempty"`
}

// Item is one receipt entry: something this installer created or changed,
// with what uninstall needs to put it back.
type Item struct {
	// Kind is "dir" (created, removed on uninstall when empty), "link"
	// (created or replaced), or "hosts" (our block and disabled lines).
	Kind string `plist:"Kind"`
	Path string `plist:"Path"`
	// Target is the link's target as created.
	Target string `plist:"Target,omitempty"`
	// Previous is the target of a link of ours that this one replaced;
	// uninstall puts it back.
	Previous string `plist:"Previous,omitempty"`
	// Created marks a hosts or shell file that did not exist before: if
	// removing our block leaves it empty, uninstall removes it.
	Created bool `plist:"Created,omitempty"`
	// Step is the install step that made the item.
	Step string `plist:"Step"`
	// Home is set for items inside a user's home: they are reached only
	// through a strict sub-root of that home.
	Home string `plist:"Home,omitempty"`
	// SHA256 is the content a "file" item was written with; uninstall
	// leaves a file that no longer matches alone.
	SHA256 string `plist:"SHA256,omitempty"`
	// Label is the launchd job of a LaunchDaemon plist ("file" items).
	Label string `plist:"Label,omitempty"`
	// Existed, PreviousData, PreviousMode, PreviousUID and PreviousGID
	// describe a file the installer replaced, to put it back on uninstall.
	Existed      bool   `plist:"Existed,omitempty"`
	PreviousData []byte `plist:"PreviousData,omitempty"`
	PreviousMode int    `plist:"PreviousMode,omitempty"`
	PreviousUID  int    `plist:"PreviousUID,omitempty"`
	PreviousGID  int    `plist:"PreviousGID,omitempty"`
	// AppKeys are, for an "app-settings" item (the app's settings store),
	// the keys install set: what each held before the first install that
	// set it, and the value install wrote.
	AppKeys []AppKey `plist:"AppKeys,omitempty"`
}

// AppKey is one key of the app's settings store that install set.
type AppKey struct {
	Key string `plist:"Key" json:"key"`
	// Had says the key was there before; Previous is its raw JSON value.
	Had      bool   `plist:"Had,omitempty" json:"had,omitempty"`
	Previous string `plist:"Previous,omitempty" json:"previous,omitempty"`
	// Value is the raw JSON value install wrote.
	Value string `plist:"Value" json:"value"`
}

// encodeProfile gives the profile's canonical XML bytes.
func encodeProfile(p *Profile) ([]byte, error) {
	b, err := encodePlist(p)
	if err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	return b, nil
}

// DecodeProfile parses a profile (an XML plist).
func DecodeProfile(data []byte) (*Profile, error) {
	// The installer writes XML; a binary plist here was not written by
	// it, and the binary decoder can be made to work exponentially long.
	if bytes.HasPrefix(data, []byte("bplist")) {
		return nil, errors.New("a binary plist, not the XML profile the installer writes")
	}
	var p Profile
	if _, err := plist.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	if p.User == "" || p.Product == "" {
		return nil, errors.New("missing User or Product")
	}
	for i, it := range p.Receipt {
		switch it.Kind {
		case "dir", "link", "hosts", "file", "block", "app-settings":
		default:
			return nil, fmt.Errorf("receipt item %d has unknown kind %q", i, it.Kind)
		}
		if _, err := rootfs.Clean(it.Path); err != nil {
			return nil, fmt.Errorf("receipt item %d: %w", i, err)
		}
	}
	return &p, nil
}

// maxProfile bounds what is read as a profile: receipts are small.
const maxProfile = 4 << 20

// ReadProfile reads the profile at path; (nil, nil) when there is none.
func ReadProfile(fsys rootfs.FS, path string) (*Profile, []byte, error) {
	// The profile decides what uninstall removes: never read it through a
	// link someone else may have put there.
	if fi, err := fsys.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, &Error{Kind: KindUnsafe, Err: fmt.Errorf("profile %s is a %s, not a regular file; refusing it (remove it and reinstall)", path, fi.Mode().Type())}
	}
	if fi, err := fsys.Lstat(path); err == nil && fi.Size() > maxProfile {
		return nil, nil, &Error{Kind: KindUnsafe, Err: fmt.Errorf("profile %s is %d bytes, more than a profile can be (%d); move it aside, then install again", path, fi.Size(), maxProfile)}
	}
	data, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read profile: %w", err)
	}
	p, err := DecodeProfile(data)
	if err != nil {
		// Without a receipt nobody knows what is ours: refuse rather than
		// guess (SPEC.md §9).
		return nil, nil, &Error{Kind: KindUnsafe, Err: fmt.Errorf("profile %s is not valid (%v); move it aside, then install again", path, err)}
	}
	return p, data, nil
}
