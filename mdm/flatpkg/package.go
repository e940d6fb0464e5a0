package flatpkg

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/renameio/v2"
)

// Entry is one file or directory of a payload.
type Entry struct {
	// Path is slash-separated and relative to the install location; "."
	// is the install location itself.
	Path string
	// Mode is fs.ModeDir for a directory, plus the permission bits.
	Mode     fs.FileMode
	UID, GID int
	Data     []byte
}

// Dir reports whether the entry is a directory.
func (e Entry) Dir() bool { return e.Mode.IsDir() }

// Package describes a product archive with one component.
type Package struct {
	// Title is shown by Installer.app (Distribution's <title>).
	Title string
	// ID is the product's and the component's identifier; the receipt
	// (`pkgutil --pkgs`) carries it.
	ID      string
	Version string
	// InstallLocation is the absolute directory the payload's "." lands
	// on.
	InstallLocation string
	// HostArchitectures is Distribution's hostArchitectures option, e.g.
	// "arm64,x86_64" (empty: none).
	HostArchitectures string
	// Payload is every entry, "." included; nil makes a payload-free
	// package.
	Payload []Entry
	// Postinstall is the postinstall script, run by Installer as root
	// with the package path, install location and target volume as $1,
	// $2, $3; nil: none.
	Postinstall []byte
	// MTime is the time every entry and the archive carry
	// (SOURCE_DATE_EPOCH).
	MTime time.Time
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)

// Bytes returns the package, signed with id when id is not nil.
func (p Package) Bytes(id *Identity) ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	mtime := p.MTime.Unix()
	var payload []Entry
	if p.Payload != nil {
		payload = append([]Entry(nil), p.Payload...)
		sort.Slice(payload, func(i, j int) bool { return payload[i].Path < payload[j].Path })
	}
	bomEntries := payload
	if bomEntries == nil {
		// A payload-free package's Bom lists the location alone.
		bomEntries = []Entry{{Path: ".", Mode: fs.ModeDir | 0o755}}
	}
	bomData, err := bom(bomEntries, mtime)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", p.ID, err)
	}
	component := &xarNode{name: p.componentName(), dir: true}
	var files, kbytes int
	for _, e := range payload {
		files++
		kbytes += (len(e.Data) + 1023) / 1024
	}
	component.children = append(component.children,
		&xarNode{name: "Bom", data: bomData},
		&xarNode{name: "PackageInfo", data: []byte(p.packageInfo(files, kbytes))})
	if payload != nil {
		data, err := cpioGzip(payload, mtime)
		if err != nil {
			return nil, fmt.Errorf("package %s: payload: %w", p.ID, err)
		}
		component.children = append(component.children, &xarNode{name: "Payload", data: data})
	}
	if p.Postinstall != nil {
		data, err := cpioGzip([]Entry{
			{Path: ".", Mode: fs.ModeDir | 0o755},
			{Path: "postinstall", Mode: 0o755, Data: p.Postinstall},
		}, mtime)
		if err != nil {
			return nil, fmt.Errorf("package %s: scripts: %w", p.ID, err)
		}
		component.children = append(component.children, &xarNode{name: "Scripts", data: data})
	}
	nodes := []*xarNode{
		{name: "Distribution", data: []byte(p.distribution(kbytes))},
		component,
	}
	return xarWrite(nodes, p.MTime, id)
}

// WriteFile writes the package to name atomically: a failure leaves no
// file, or the old one, behind.
func (p Package) WriteFile(name string, id *Identity) error {
	data, err := p.Bytes(id)
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("write package %s: %w", name, err)
	}
	return nil
}

func (p Package) componentName() string { return p.ID + ".pkg" }

func (p Package) check() error {
	if !idPattern.MatchString(p.ID) {
		return fmt.Errorf("package identifier %q: want letters, digits, dots and dashes", p.ID)
	}
	if p.Version == "" || strings.ContainsAny(p.Version, "<>&\"' \t\n") {
		return fmt.Errorf("package %s: version %q: want a non-empty word without XML characters", p.ID, p.Version)
	}
	if !path.IsAbs(p.InstallLocation) || path.Clean(p.InstallLocation) != p.InstallLocation {
		return fmt.Errorf("package %s: install location %q: want a clean absolute path", p.ID, p.InstallLocation)
	}
	if p.MTime.Unix() < 0 || p.MTime.Unix() > 1<<32-1 {
		return fmt.Errorf("package %s: time %v is outside 1970-2106", p.ID, p.MTime)
	}
	if p.Payload == nil {
		return nil
	}
	seen := map[string]Entry{}
	for _, e := range p.Payload {
		if e.Path != "." && (!fs.ValidPath(e.Path) || strings.Contains(e.Path, "\\")) {
			return fmt.Errorf("package %s: payload path %q: want a clean relative path", p.ID, e.Path)
		}
		if _, dup := seen[e.Path]; dup {
			return fmt.Errorf("package %s: payload path %q given twice", p.ID, e.Path)
		}
		if e.UID < 0 || e.GID < 0 {
			return fmt.Errorf("package %s: payload path %q: negative owner", p.ID, e.Path)
		}
		if _, err := cpioMode(e); err != nil {
			return fmt.Errorf("package %s: %w", p.ID, err)
		}
		seen[e.Path] = e
	}
	root, ok := seen["."]
	if !ok || !root.Dir() {
		return fmt.Errorf("package %s: the payload needs a \".\" directory (the install location)", p.ID)
	}
	for _, e := range p.Payload {
		if e.Path == "." {
			continue
		}
		if parent, ok := seen[path.Dir(e.Path)]; !ok || !parent.Dir() {
			return fmt.Errorf("package %s: payload path %q: its directory %q is not in the payload", p.ID, e.Path, path.Dir(e.Path))
		}
	}
	return nil
}

func (p Package) packageInfo(files, kbytes int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<pkg-info overwrite-permissions="true" relocatable="false" identifier="%s" postinstall-action="none" version="%s" format-version="2" install-location="%s" auth="root">
    <payload numberOfFiles="%d" installKBytes="%d"/>
    <bundle-version/>
    <upgrade-bundle/>
    <update-bundle/>
    <atomic-update-bundle/>
    <strict-identifier/>
    <relocate/>
`, p.ID, p.Version, xmlEscape(p.InstallLocation), files, kbytes)
	if p.Postinstall != nil {
		b.WriteString("    <scripts>\n        <postinstall file=\"./postinstall\"/>\n    </scripts>\n")
	}
	b.WriteString("</pkg-info>\n")
	return b.String()
}

func (p Package) distribution(kbytes int) string {
	var opts string
	if p.HostArchitectures != "" {
		opts = fmt.Sprintf(` hostArchitectures="%s"`, xmlEscape(p.HostArchitectures))
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<installer-gui-script minSpecVersion="2">
    <title>%[1]s</title>
    <pkg-ref id="%[2]s"/>
    <options customize="never" require-scripts="false"%[4]s/>
    <domains enable_localSystem="true" enable_anywhere="false" enable_currentUserHome="false"/>
    <choices-outline>
        <line choice="default">
            <line choice="%[2]s"/>
        </line>
    </choices-outline>
    <choice id="default"/>
    <choice id="%[2]s" visible="false">
        <pkg-ref id="%[2]s"/>
    </choice>
    <pkg-ref id="%[2]s" version="%[3]s" onConclusion="none" installKBytes="%[5]d">#%[6]s</pkg-ref>
    <product id="%[2]s" version="%[3]s"/>
</installer-gui-script>
`, xmlEscape(p.Title), p.ID, p.Version, opts, kbytes, p.componentName())
}
