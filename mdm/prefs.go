package mdm

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/macfleet/installer/install/adminsettings"
	"github.com/macfleet/installer/install/users"
)

// ManagedPrefsDir is where macOS writes the preferences a configuration
// profile forces: <domain>.plist for the device, <user>/<domain>.plist
// for one user.
const ManagedPrefsDir = "/Library/Managed Preferences"

// Reader reads a file by logical absolute path inside the target root;
// missing files wrap fs.ErrNotExist.
type Reader interface {
	ReadFile(name string) ([]byte, error)
}

// Prefs are install settings from managed preferences; nil/unset fields
// were not given.
type Prefs struct {
	User, CLILocation, PathEdit, AdminSettings, ProxyHTTPMode   *string
	OverrideProxyHTTP, OverrideProxyHTTPS, OverrideProxyExclude *string
	OverrideProxyPAC, OverrideProxyEmbeddedPAC, PolicyKey       *string

	DockerSocket, PrivilegedPorts, Kubernetes, AcceptLicense, AppSettings *bool

	// AllowedOrgs is set when AllowedOrgsSet is, and may then be empty:
	// an empty array in a user-scope file clears a device-scope list.
	AllowedOrgs    []string
	AllowedOrgsSet bool

	// Source maps each key that was set to the file it came from (for
	// `plan` to show provenance).
	Source map[string]string
}

// Type is the plist type a key must have.
type Type int

const (
	TypeString      Type = iota + 1 // <string>
	TypeBoolean                     // <true/> or <false/>
	TypeStringArray                 // <array> of <string>
)

func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeBoolean:
		return "boolean"
	case TypeStringArray:
		return "array of strings"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Key is one managed-preferences key: a row of the settings table that
// has one (see [Settings]).
type Key struct {
	Name    string   // the plist key, e.g. "Kubernetes"
	Flag    string   // the install flag it mirrors, without dashes, e.g. "kubernetes"
	Type    Type     // the plist type it must have
	Values  []string // the values an enumerated string accepts; nil when free text
	Doc     string   // one line for the docs
	Title   string   // a few words for a console's form
	Default any      // string, bool or nil: what a run takes when nothing gives the key
}

// keySpec ties a Key to its Prefs field and the checks on its value.
type keySpec struct {
	Key
	str     func(*Prefs) **string
	boolean func(*Prefs) **bool
	check   func(string) error // for strings, beyond Values
	// dict: a dictionary is accepted too, and kept as its JSON text.
	dict bool
}

// prefFields are the Prefs field and the extra checks of each key.
var prefFields = map[string]keySpec{
	"User":                     {str: func(p *Prefs) **string { return &p.User }, check: checkUserPref},
	"CLILocation":              {str: func(p *Prefs) **string { return &p.CLILocation }},
	"PathEdit":                 {str: func(p *Prefs) **string { return &p.PathEdit }},
	"DockerSocket":             {boolean: func(p *Prefs) **bool { return &p.DockerSocket }},
	"PrivilegedPorts":          {boolean: func(p *Prefs) **bool { return &p.PrivilegedPorts }},
	"Kubernetes":               {boolean: func(p *Prefs) **bool { return &p.Kubernetes }},
	"AcceptLicense":            {boolean: func(p *Prefs) **bool { return &p.AcceptLicense }},
	"AppSettings":              {boolean: func(p *Prefs) **bool { return &p.AppSettings }},
	"AllowedOrgs":              {},
	"AdminSettings":            {str: func(p *Prefs) **string { return &p.AdminSettings }, check: checkJSONish, dict: true},
	"ProxyHTTPMode":            {str: func(p *Prefs) **string { return &p.ProxyHTTPMode }},
	"OverrideProxyHTTP":        {str: func(p *Prefs) **string { return &p.OverrideProxyHTTP }},
	"OverrideProxyHTTPS":       {str: func(p *Prefs) **string { return &p.OverrideProxyHTTPS }},
	"OverrideProxyExclude":     {str: func(p *Prefs) **string { return &p.OverrideProxyExclude }},
	"OverrideProxyPAC":         {str: func(p *Prefs) **string { return &p.OverrideProxyPAC }},
	"OverrideProxyEmbeddedPAC": {str: func(p *Prefs) **string { return &p.OverrideProxyEmbeddedPAC }},
	"PolicyKey":                {str: func(p *Prefs) **string { return &p.PolicyKey }, check: checkPolicyKey},
}

// keySpecs are the rows of the settings table with a managed-preferences
// key, in its order.
var keySpecs = func() []keySpec {
	var out []keySpec
	for _, s := range settingsTable {
		if s.Key == "" {
			continue
		}
		f, ok := prefFields[s.Key]
		if !ok {
			panic("mdm: settings table key " + s.Key + " has no Prefs field")
		}
		f.Key = Key{Name: s.Key, Flag: s.Flag, Type: s.Type, Values: s.Values, Doc: s.Help, Title: s.Title, Default: s.Default}
		out = append(out, f)
	}
	if len(out) != len(prefFields) {
		panic("mdm: a Prefs field has no row in the settings table")
	}
	return out
}()

// Keys lists the known keys and their plist types, for docs and the
// .mobileconfig generator, in a stable order.
func Keys() []Key {
	out := make([]Key, len(keySpecs))
	for i, s := range keySpecs {
		out[i] = s.Key
		out[i].Values = slices.Clone(s.Values)
	}
	return out
}

func specFor(name string) (keySpec, bool) {
	for _, s := range keySpecs {
		if s.Name == name {
			return s, true
		}
	}
	return keySpec{}, false
}

// Load reads /Library/Managed Preferences/<user>/<domain>.plist (only when
// user != ""), then /Library/Managed Preferences/<domain>.plist; a key in
// the user-scope file wins over the device-scope one. Binary or XML
// plists. Keys whose name starts with "Payload" are ignored, and so are
// unknown keys, whose names (sorted, once each) are the second result so
// the CLI can warn. A file that exists but cannot be read or parsed, is
// not a dictionary, or has a known key of the wrong type or value is an
// error naming the file and the key.
//
// The user-scope file belongs to the user being installed for; when that
// is not known yet (no --user), call Load with user "" and, if the
// device-scope file names a User, call it again with that user.
func Load(r Reader, domain, user string) (Prefs, []string, error) {
	if err := checkDomain(domain); err != nil {
		return Prefs{}, nil, fmt.Errorf("managed preferences: %w", err)
	}
	var files []string // in the order of precedence
	if user != "" {
		if ParseUserArg(user) {
			return Prefs{}, nil, fmt.Errorf("managed preferences: resolve %s to a user name before loading that user's preferences", user)
		}
		if err := users.CheckName(user); err != nil {
			return Prefs{}, nil, fmt.Errorf("managed preferences: %w", err)
		}
		files = append(files, path.Join(ManagedPrefsDir, user, domain+".plist"))
	}
	files = append(files, path.Join(ManagedPrefsDir, domain+".plist"))

	dicts := make([]map[string]any, len(files))
	for i, f := range files {
		data, err := r.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Prefs{}, nil, fmt.Errorf("managed preferences %s: cannot be read: %w", f, err)
		}
		if dicts[i], err = decodeDict(data); err != nil {
			return Prefs{}, nil, fmt.Errorf("managed preferences %s: %w", f, err)
		}
	}

	var p Prefs
	unknown := map[string]bool{}
	for i := len(files) - 1; i >= 0; i-- { // lowest precedence first: later ones overwrite
		if dicts[i] == nil {
			continue
		}
		unk, err := p.apply(dicts[i], files[i])
		if err != nil {
			return Prefs{}, nil, fmt.Errorf("managed preferences %s: %w", files[i], err)
		}
		for _, k := range unk {
			unknown[k] = true
		}
	}
	return p, sortedKeys(unknown), nil
}

// apply sets the known keys of dict on p, checking each, and returns the
// names of the unknown ones. Nothing is set when an error is returned.
func (p *Prefs) apply(dict map[string]any, source string) ([]string, error) {
	next := *p
	next.Source = make(map[string]string, len(p.Source)+len(dict))
	for k, v := range p.Source {
		next.Source[k] = v
	}
	var unknown []string
	for _, name := range sortedKeys(dict) { // sorted: the first bad key reported is stable
		if strings.HasPrefix(name, "Payload") {
			continue
		}
		spec, ok := specFor(name)
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		if err := next.set(spec, dict[name]); err != nil {
			return nil, fmt.Errorf("key %q %w", name, err)
		}
		next.Source[name] = source
	}
	if len(next.Source) == 0 {
		next.Source = nil
	}
	*p = next
	return unknown, nil
}

// set stores one value; its error reads after `key "Name" `.
func (p *Prefs) set(spec keySpec, v any) error {
	switch spec.Type {
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("must be a boolean, got %s", typeName(v))
		}
		*spec.boolean(p) = &b
	case TypeString:
		if d, ok := v.(map[string]any); ok && spec.dict {
			text, err := dictJSON(d)
			if err != nil {
				return err
			}
			v = text
		}
		s, ok := v.(string)
		if !ok && spec.dict {
			return fmt.Errorf("must be a string or a dictionary, got %s", typeName(v))
		}
		if !ok {
			return fmt.Errorf("must be a string, got %s", typeName(v))
		}
		if spec.Values != nil && !slices.Contains(spec.Values, s) {
			return fmt.Errorf("must be one of %s, got %q", strings.Join(spec.Values, ", "), s)
		}
		if spec.check != nil {
			if err := spec.check(s); err != nil {
				return err
			}
		}
		*spec.str(p) = &s
	case TypeStringArray:
		var orgs []string
		switch v := v.(type) {
		case []any:
			orgs = make([]string, 0, len(v))
			for i, e := range v {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("must be an array of strings, item %d is %s", i+1, typeName(e))
				}
				if s == "" {
					return fmt.Errorf("must be an array of strings, item %d is empty", i+1)
				}
				orgs = append(orgs, s)
			}
		case []string: // from Go callers (MobileConfig), never from a decoded plist
			for i, s := range v {
				if s == "" {
					return fmt.Errorf("must be an array of strings, item %d is empty", i+1)
				}
			}
			orgs = slices.Clone(v)
		default:
			return fmt.Errorf("must be an array of strings, got %s", typeName(v))
		}
		p.AllowedOrgs, p.AllowedOrgsSet = orgs, true
	}
	return nil
}

// Settings is p as plist values (string, bool, []string) keyed by the
// managed-preferences key names: what MobileConfig carries, and what Load
// gives back when it reads them.
func (p Prefs) Settings() map[string]any {
	m := map[string]any{}
	for _, spec := range keySpecs {
		switch spec.Type {
		case TypeString:
			if s := *spec.str(&p); s != nil {
				m[spec.Name] = *s
			}
		case TypeBoolean:
			if b := *spec.boolean(&p); b != nil {
				m[spec.Name] = *b
			}
		case TypeStringArray:
			if p.AllowedOrgsSet {
				m[spec.Name] = append([]string{}, p.AllowedOrgs...)
			}
		}
	}
	return m
}

func checkUserPref(s string) error {
	if ParseUserArg(s) {
		return nil
	}
	if err := users.CheckName(s); err != nil {
		return fmt.Errorf("must be a user name or @console: %w", err)
	}
	return nil
}

// checkJSONish accepts JSON text, or the single-quoted form Docker's
// install guide shows; the settings layer checks the structure.
func checkJSONish(s string) error {
	if _, _, err := adminsettings.Decode(s); err != nil {
		return fmt.Errorf("must hold valid JSON text or be a dictionary (%s)", strings.TrimPrefix(err.Error(), "admin settings: "))
	}
	return nil
}

func checkPolicyKey(s string) error {
	if CheckPolicyKey(s) != nil {
		return fmt.Errorf("must be a base64 ed25519 public key (%d bytes)", ed25519.PublicKeySize)
	}
	return nil
}

// checkDomain accepts a reverse-DNS preference domain such as
// com.docker.installer; it becomes a file name.
func checkDomain(d string) error {
	if d == "" || d[0] == '.' || strings.Contains(d, "..") || len(d) > 200 {
		return fmt.Errorf("bad preference domain %q", d)
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("bad preference domain %q", d)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
