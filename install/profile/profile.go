package profile

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"howett.net/plist"

	"github.com/macfleet/installer/install/rootfs"
)

// Profile is the single-user profile, stored as an XML plist in the app
// support dir. It is both the record of the options the machine was set
// up with and, through Receipt, the exact list of what uninstall must
// undo.
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
	// PolicyKey is the base64 ed25519 public key that may sign vmnetd's
	// policies; "" when none was pinned.
	PolicyKey string `plist:"PolicyKey,omitempty"`
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

// Settings are the vendor's own install settings, written to the app
// support dir.
type Settings struct {
	AcceptLicense            bool     `plist:"AcceptLicense" json:"acceptLicense,omitempty"`
	AllowedOrgs              []string `plist:"AllowedOrgs" json:"-"`
	AdminSettings            string   `plist:"AdminSettings,omitempty" json:"-"`
	ProxyHTTPMode            string   `plist:"ProxyHTTPMode,omitempty" json:"proxyHttpMode,omitempty"`
	OverrideProxyHTTP        string   `plist:"OverrideProxyHTTP,omitempty" json:"overrideProxyHttp,omitempty"`
	OverrideProxyHTTPS       string   `plist:"OverrideProxyHTTPS,omitempty" json:"overrideProxyHttps,omitempty"`
	OverrideProxyExclude     string   `plist:"OverrideProxyExclude,omitempty" json:"overrideProxyExclude,omitempty"`
	OverrideProxyPAC         string   `plist:"OverrideProxyPAC,omitempty" json:"overrideProxyPac,omitempty"`
	OverrideProxyEmbeddedPAC string   `plist:"OverrideProxyEmbeddedPAC,omitempty" json:"overrideProxyEmbeddedPac,omitempty"`
	// Warnings about these settings, for the run to log; never stored.
	Warnings []string `plist:"-" json:"-"`
}

// Item is one receipt entry: something the installer created or changed,
// with what uninstall needs to put it back.
type Item struct {
	// Kind is "dir" (created, removed on uninstall when empty), "link"
	// (created or replaced), "hosts" (our block and disabled lines),
	// "file" or "block" (see ItemKinds).
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

// ItemKinds are the receipt item kinds a profile may hold.
var ItemKinds = []string{"dir", "link", "hosts", "file", "block", "app-settings"}

// MaxSize bounds what is read as a profile: receipts are small (a real
// profile is a few KB).
const MaxSize = 4 << 20

// Encode gives the profile's canonical bytes: an XML plist, tab-indented.
func Encode(p *Profile) ([]byte, error) {
	var buf bytes.Buffer
	enc := plist.NewEncoderForFormat(&buf, plist.XMLFormat)
	enc.Indent("\t")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode parses a profile: an XML plist of at most MaxSize bytes naming
// its User and Product, whose receipt items have known kinds and clean
// absolute paths.
func Decode(data []byte) (*Profile, error) {
	// The installer writes XML; a binary plist here was not written by
	// it, and the binary decoder can be made to work exponentially long.
	if bytes.HasPrefix(data, []byte("bplist")) {
		return nil, errors.New("a binary plist, not the XML profile the installer writes")
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%d bytes, more than a profile can be (%d)", len(data), MaxSize)
	}
	var p Profile
	if _, err := plist.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	if p.User == "" || p.Product == "" {
		return nil, errors.New("missing User or Product")
	}
	for i, it := range p.Receipt {
		known := false
		for _, k := range ItemKinds {
			known = known || it.Kind == k
		}
		if !known {
			return nil, fmt.Errorf("receipt item %d has unknown kind %q", i, it.Kind)
		}
		if _, err := rootfs.Clean(it.Path); err != nil {
			return nil, fmt.Errorf("receipt item %d: %w", i, err)
		}
	}
	return &p, nil
}

// PublicKey decodes PolicyKey; nil when none was pinned.
func (p *Profile) PublicKey() (ed25519.PublicKey, error) {
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

// FS is what Read needs of a filesystem: rootfs.FS for the installer,
// the host's for vmnetd. ReadFile need not return more than MaxSize+1
// bytes.
type FS interface {
	Lstat(p string) (fs.FileInfo, error)
	ReadFile(p string) ([]byte, error)
}

// UnsafeError says the file at Path cannot be the profile: not a regular
// file, too big, or not a valid profile. Nobody then knows what is the
// installer's, so its callers refuse rather than guess.
type UnsafeError struct {
	Path string
	msg  string
}

func (e *UnsafeError) Error() string { return e.msg }

// Read reads the profile at path; (nil, nil, nil) when there is none. It
// returns the bytes read with the profile. An *UnsafeError says the file
// there is not one to trust; any other error is a failure to read.
func Read(fsys FS, path string) (*Profile, []byte, error) {
	// The profile decides what uninstall removes and whom vmnetd serves:
	// never read it through a link someone else may have put there.
	fi, err := fsys.Lstat(path)
	if err == nil && !fi.Mode().IsRegular() {
		return nil, nil, &UnsafeError{path, fmt.Sprintf("profile %s is a %s, not a regular file; refusing it (remove it and reinstall)", path, fi.Mode().Type())}
	}
	if err == nil && fi.Size() > MaxSize {
		return nil, nil, &UnsafeError{path, fmt.Sprintf("profile %s is %d bytes, more than a profile can be (%d); move it aside, then install again", path, fi.Size(), MaxSize)}
	}
	data, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read profile: %w", err)
	}
	p, err := Decode(data)
	if err != nil {
		// Without a receipt nobody knows what is ours: refuse rather than
		// guess.
		return nil, nil, &UnsafeError{path, fmt.Sprintf("profile %s is not valid (%v); move it aside, then install again", path, err)}
	}
	return p, data, nil
}
