package mdm

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/macfleet/installer/install/users"
)

const (
	domain     = "com.docker.installer"
	devicePath = "/Library/Managed Preferences/com.docker.installer.plist"
	alicePath  = "/Library/Managed Preferences/alice/com.docker.installer.plist"
	// a valid ed25519 public key: 32 zero bytes
	zeroKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)

// files is a Reader over an in-memory tree; it records what was read.
type files struct {
	data map[string][]byte
	errs map[string]error
	read []string
}

func (f *files) ReadFile(name string) ([]byte, error) {
	f.read = append(f.read, name)
	if err, ok := f.errs[name]; ok {
		return nil, err
	}
	d, ok := f.data[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return d, nil
}

func xmlPlist(t testing.TB, v any) []byte {
	t.Helper()
	b, err := plist.Marshal(v, plist.XMLFormat)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func binPlist(t testing.TB, v any) []byte {
	t.Helper()
	b, err := plist.Marshal(v, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("bplist00")) {
		t.Fatal("not a binary plist")
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// everything sets every known key.
var everything = map[string]any{
	"User":                     "alice",
	"CLILocation":              "user",
	"PathEdit":                 "shell",
	"DockerSocket":             false,
	"PrivilegedPorts":          true,
	"Kubernetes":               true,
	"AppSettings":              false,
	"AcceptLicense":            true,
	"AllowedOrgs":              []string{"acme", "acme-ci"},
	"AdminSettings":            `{"configurationFileVersion": 2, "enhancedContainerIsolation": {"value": true, "locked": true}}`,
	"ProxyHTTPMode":            "manual",
	"OverrideProxyHTTP":        "http://proxy.corp:3128",
	"OverrideProxyHTTPS":       "http://proxy.corp:3129",
	"OverrideProxyExclude":     "localhost,*.corp",
	"OverrideProxyPAC":         "http://proxy.corp/proxy.pac",
	"OverrideProxyEmbeddedPAC": "function FindProxyForURL(url, host) { return \"DIRECT\"; }",
	"PolicyKey":                zeroKey,
}

func everythingPrefs(src string) Prefs {
	p := Prefs{
		User: ptr("alice"), CLILocation: ptr("user"), PathEdit: ptr("shell"),
		DockerSocket: ptr(false), PrivilegedPorts: ptr(true), Kubernetes: ptr(true), AppSettings: ptr(false), AcceptLicense: ptr(true),
		AllowedOrgs: []string{"acme", "acme-ci"}, AllowedOrgsSet: true,
		AdminSettings:            ptr(everything["AdminSettings"].(string)),
		ProxyHTTPMode:            ptr("manual"),
		OverrideProxyHTTP:        ptr("http://proxy.corp:3128"),
		OverrideProxyHTTPS:       ptr("http://proxy.corp:3129"),
		OverrideProxyExclude:     ptr("localhost,*.corp"),
		OverrideProxyPAC:         ptr("http://proxy.corp/proxy.pac"),
		OverrideProxyEmbeddedPAC: ptr(everything["OverrideProxyEmbeddedPAC"].(string)),
		PolicyKey:                ptr(zeroKey),
		Source:                   map[string]string{},
	}
	for k := range everything {
		p.Source[k] = src
	}
	return p
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name        string
		user        string
		data        map[string][]byte
		want        Prefs
		wantUnknown []string
		wantRead    []string
	}{
		{
			name:     "no managed preferences at all",
			user:     "alice",
			wantRead: []string{alicePath, devicePath},
		},
		{
			name:     "every key from a device-scope XML plist",
			data:     map[string][]byte{devicePath: xmlPlist(t, everything)},
			want:     everythingPrefs(devicePath),
			wantRead: []string{devicePath},
		},
		{
			name:     "every key from a device-scope binary plist",
			data:     map[string][]byte{devicePath: binPlist(t, everything)},
			want:     everythingPrefs(devicePath),
			wantRead: []string{devicePath},
		},
		{
			name:     "every key from a user-scope binary plist, no device file",
			user:     "alice",
			data:     map[string][]byte{alicePath: binPlist(t, everything)},
			want:     everythingPrefs(alicePath),
			wantRead: []string{alicePath, devicePath},
		},
		{
			name: "user-scope file absent: device scope alone",
			user: "alice",
			data: map[string][]byte{devicePath: xmlPlist(t, map[string]any{"Kubernetes": true})},
			want: Prefs{Kubernetes: ptr(true), Source: map[string]string{"Kubernetes": devicePath}},
		},
		{
			name: "no user given: a user-scope file is not read",
			data: map[string][]byte{
				alicePath:  xmlPlist(t, map[string]any{"Kubernetes": true}),
				devicePath: xmlPlist(t, map[string]any{"Kubernetes": false}),
			},
			want:     Prefs{Kubernetes: ptr(false), Source: map[string]string{"Kubernetes": devicePath}},
			wantRead: []string{devicePath},
		},
		{
			name: "user scope wins key by key, device scope fills the rest",
			user: "alice",
			data: map[string][]byte{
				alicePath: binPlist(t, map[string]any{"Kubernetes": true, "AllowedOrgs": []string{}}),
				devicePath: xmlPlist(t, map[string]any{
					"Kubernetes": false, "CLILocation": "system", "AllowedOrgs": []string{"acme"},
				}),
			},
			want: Prefs{
				Kubernetes: ptr(true), CLILocation: ptr("system"), AllowedOrgs: []string{}, AllowedOrgsSet: true,
				Source: map[string]string{"Kubernetes": alicePath, "AllowedOrgs": alicePath, "CLILocation": devicePath},
			},
		},
		{
			name: "Payload keys are ignored whatever their type; unknown keys are named once, sorted",
			user: "alice",
			data: map[string][]byte{
				alicePath: xmlPlist(t, map[string]any{
					"PayloadUUID": "X", "PayloadVersion": 1, "PayloadEnabled": true, "Payload": []string{},
					"kubernetes": true, "Zeta": 1,
				}),
				devicePath: binPlist(t, map[string]any{
					"PayloadType": "com.docker.installer", "PayloadContent": map[string]any{"x": 1},
					"Zeta": "again", "Alpha": map[string]any{"deep": []any{1, "x"}},
					"PrivilegedPorts": true,
				}),
			},
			want:        Prefs{PrivilegedPorts: ptr(true), Source: map[string]string{"PrivilegedPorts": devicePath}},
			wantUnknown: []string{"Alpha", "Zeta", "kubernetes"},
		},
		{
			name: "User may be @console",
			data: map[string][]byte{devicePath: xmlPlist(t, map[string]any{"User": "@console"})},
			want: Prefs{User: ptr("@console"), Source: map[string]string{"User": devicePath}},
		},
		{
			name: "an XML plist with a byte-order mark and leading blank lines",
			data: map[string][]byte{devicePath: append([]byte("\xef\xbb\xbf\n\n"), xmlPlist(t, map[string]any{"AcceptLicense": true})...)},
			want: Prefs{AcceptLicense: ptr(true), Source: map[string]string{"AcceptLicense": devicePath}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &files{data: tt.data}
			got, unknown, err := Load(r, domain, tt.user)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("prefs:\n got %s\nwant %s", dump(got), dump(tt.want))
			}
			if !slices.Equal(unknown, tt.wantUnknown) {
				t.Errorf("unknown keys = %q, want %q", unknown, tt.wantUnknown)
			}
			if tt.wantRead != nil && !slices.Equal(r.read, tt.wantRead) {
				t.Errorf("read %q, want %q", r.read, tt.wantRead)
			}
		})
	}
}

func dump(p Prefs) string {
	var b strings.Builder
	v := reflect.ValueOf(p)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		} else if f.IsZero() {
			continue
		}
		fmt.Fprintf(&b, "%s=%q ", v.Type().Field(i).Name, f.Interface())
	}
	return b.String()
}

func TestLoadErrors(t *testing.T) {
	dev := func(v any) map[string][]byte { return map[string][]byte{devicePath: xmlPlist(t, v)} }
	tests := []struct {
		name string
		user string
		data map[string][]byte
		errs map[string]error
		want string // the whole message when it starts with "managed", else a substring
	}{
		{
			name: "boolean key holding a string",
			data: dev(map[string]any{"Kubernetes": "yes"}),
			want: `managed preferences /Library/Managed Preferences/com.docker.installer.plist: key "Kubernetes" must be a boolean, got string`,
		},
		{
			name: "boolean key holding an integer, in the user-scope binary file",
			user: "alice",
			data: map[string][]byte{alicePath: binPlist(t, map[string]any{"DockerSocket": 1})},
			want: `managed preferences /Library/Managed Preferences/alice/com.docker.installer.plist: key "DockerSocket" must be a boolean, got integer`,
		},
		{
			name: "string key holding a boolean",
			data: dev(map[string]any{"User": true}),
			want: `managed preferences ` + devicePath + `: key "User" must be a string, got boolean`,
		},
		{
			name: "string key holding an array",
			data: dev(map[string]any{"CLILocation": []string{"user"}}),
			want: `key "CLILocation" must be a string, got array`,
		},
		{
			name: "AllowedOrgs given as one string",
			data: dev(map[string]any{"AllowedOrgs": "acme"}),
			want: `key "AllowedOrgs" must be an array of strings, got string`,
		},
		{
			name: "AllowedOrgs holding a number",
			data: dev(map[string]any{"AllowedOrgs": []any{"acme", 7}}),
			want: `key "AllowedOrgs" must be an array of strings, item 2 is integer`,
		},
		{
			name: "AllowedOrgs holding an empty name",
			data: dev(map[string]any{"AllowedOrgs": []any{""}}),
			want: `key "AllowedOrgs" must be an array of strings, item 1 is empty`,
		},
		{
			name: "a dictionary where a string belongs",
			data: dev(map[string]any{"PathEdit": map[string]any{}}),
			want: `key "PathEdit" must be a string, got dictionary`,
		},
		{
			name: "a date where a boolean belongs, binary",
			data: map[string][]byte{devicePath: binPlist(t, map[string]any{"AcceptLicense": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)})},
			want: `key "AcceptLicense" must be a boolean, got date`,
		},
		{
			name: "data where a string belongs",
			data: dev(map[string]any{"PolicyKey": []byte{1, 2, 3}}),
			want: `key "PolicyKey" must be a string, got data`,
		},
		{
			name: "a real where a boolean belongs",
			data: dev(map[string]any{"Kubernetes": 1.5}),
			want: `key "Kubernetes" must be a boolean, got real`,
		},
		{
			name: "enumerated value out of range",
			data: dev(map[string]any{"CLILocation": "home"}),
			want: `key "CLILocation" must be one of system, user, got "home"`,
		},
		{
			name: "PathEdit out of range",
			data: dev(map[string]any{"PathEdit": "zshrc"}),
			want: `key "PathEdit" must be one of paths.d, shell, none, got "zshrc"`,
		},
		{
			name: "ProxyHTTPMode out of range",
			data: dev(map[string]any{"ProxyHTTPMode": "Manual"}),
			want: `key "ProxyHTTPMode" must be one of system, manual, got "Manual"`,
		},
		{
			name: "AdminSettings that is not JSON",
			data: dev(map[string]any{"AdminSettings": "{configurationFileVersion: 2"}),
			want: `key "AdminSettings" must hold valid JSON text`,
		},
		{
			name: "PolicyKey that is not a key",
			data: dev(map[string]any{"PolicyKey": "c2hvcnQ="}),
			want: `key "PolicyKey" must be a base64 ed25519 public key (32 bytes)`,
		},
		{
			name: "User that would escape a path",
			data: dev(map[string]any{"User": "../root"}),
			want: `key "User" must be a user name or @console: user "../root": name contains '/'`,
		},
		{
			name: "garbage",
			data: map[string][]byte{devicePath: []byte("Kubernetes=1\n")},
			want: `managed preferences ` + devicePath + `: is not an XML or binary property list`,
		},
		{
			name: "an OpenStep text plist",
			data: map[string][]byte{devicePath: []byte(`{ Kubernetes = YES; }`)},
			want: `is not an XML or binary property list`,
		},
		{
			name: "truncated XML",
			data: map[string][]byte{devicePath: xmlPlist(t, everything)[:200]},
			want: devicePath + `: cannot be parsed: plist: error parsing XML property list`,
		},
		{
			name: "corrupt binary",
			data: map[string][]byte{devicePath: append([]byte("bplist00"), bytes.Repeat([]byte{0xff}, 64)...)},
			want: devicePath + `: cannot be parsed as a binary property list: bad trailer`,
		},
		{
			name: "an empty file",
			data: map[string][]byte{devicePath: {}},
			want: `is not an XML or binary property list`,
		},
		{
			name: "top level is an array",
			data: dev([]string{"Kubernetes"}),
			want: `managed preferences ` + devicePath + `: is not a dictionary: its top level is array`,
		},
		{
			name: "top level is a string, binary",
			data: map[string][]byte{devicePath: binPlist(t, "Kubernetes")},
			want: `is not a dictionary: its top level is string`,
		},
		{
			name: "larger than the limit",
			data: dev(map[string]any{"AdminSettings": `"` + strings.Repeat("x", MaxPlistSize) + `"`}),
			want: `managed preferences ` + devicePath + `: is larger than the 1024 KiB limit for a property list`,
		},
		{
			name: "unreadable user-scope file",
			user: "alice",
			errs: map[string]error{alicePath: &fs.PathError{Op: "open", Path: alicePath, Err: fs.ErrPermission}},
			want: `managed preferences ` + alicePath + `: cannot be read: open ` + alicePath + `: permission denied`,
		},
		{
			name: "a good user file does not hide a bad device file",
			user: "alice",
			data: map[string][]byte{
				alicePath:  xmlPlist(t, map[string]any{"Kubernetes": true}),
				devicePath: xmlPlist(t, map[string]any{"Kubernetes": "true"}),
			},
			want: `managed preferences ` + devicePath + `: key "Kubernetes" must be a boolean, got string`,
		},
		{name: "user with a slash", user: "alice/../bob", want: `managed preferences: user "alice/../bob": name contains '/'`},
		{name: "user ..", user: "..", want: `name contains '..'`},
		{name: "user @console, unresolved", user: "@console", want: `managed preferences: resolve @console to a user name before loading that user's preferences`},
		{name: "user .", user: ".", want: `name is "."`},
		{name: "user with NUL", user: "alice\x00", want: `name contains a NUL byte`},
		{name: "user with newline", user: "alice\n", want: `name contains a line break`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &files{data: tt.data, errs: tt.errs}
			got, unknown, err := Load(r, domain, tt.user)
			if err == nil {
				t.Fatalf("Load succeeded with %s, want error %q", dump(got), tt.want)
			}
			if strings.HasPrefix(tt.want, "managed") && err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if !reflect.DeepEqual(got, Prefs{}) || unknown != nil {
				t.Errorf("an error came with results: %s %q", dump(got), unknown)
			}
		})
	}
}

func TestLoadBadDomain(t *testing.T) {
	for _, d := range []string{"", "../etc/passwd", "com/docker", ".hidden", "a b"} {
		if _, _, err := Load(&files{}, d, ""); err == nil {
			t.Errorf("Load with domain %q succeeded", d)
		}
	}
}

func TestLoadWrapsNotExistOnly(t *testing.T) {
	// Only a missing file means "not managed": any other read error,
	// even one that mentions a missing thing in its text, is fatal.
	r := &files{errs: map[string]error{devicePath: errors.New("file does not exist (not wrapped)")}}
	if _, _, err := Load(r, domain, ""); err == nil {
		t.Fatal("an unwrapped read error was taken for a missing file")
	}
}

func TestKeys(t *testing.T) {
	want := []string{"User", "CLILocation", "PathEdit", "DockerSocket", "PrivilegedPorts", "Kubernetes",
		"AppSettings", "AcceptLicense", "AllowedOrgs", "AdminSettings", "ProxyHTTPMode", "OverrideProxyHTTP",
		"OverrideProxyHTTPS", "OverrideProxyExclude", "OverrideProxyPAC", "OverrideProxyEmbeddedPAC", "PolicyKey"}
	keys := Keys()
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
		if k.Flag == "" || k.Doc == "" || k.Type.String() == "" {
			t.Errorf("key %s lacks a flag, doc or type", k.Name)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("Keys() = %q\nwant %q", names, want)
	}
	types := map[string]Type{"Kubernetes": TypeBoolean, "AllowedOrgs": TypeStringArray, "AdminSettings": TypeString}
	for _, k := range keys {
		if w, ok := types[k.Name]; ok && k.Type != w {
			t.Errorf("%s is %v, want %v", k.Name, k.Type, w)
		}
	}
	// Every key is what Settings writes and Load reads.
	if got := sortedKeys(everything); !slices.Equal(got, sortedKeys(everythingPrefs("").Settings())) {
		t.Errorf("Settings() keys %q", got)
	}
	if len(everything) != len(keys) {
		t.Errorf("test table covers %d keys of %d", len(everything), len(keys))
	}
	// The caller cannot change the table through the result.
	keys[1].Values[0] = "changed"
	if Keys()[1].Values[0] != "system" {
		t.Error("Keys() shares its Values with the table")
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	p := everythingPrefs(devicePath)
	r := &files{data: map[string][]byte{devicePath: xmlPlist(t, p.Settings())}}
	got, _, err := Load(r, domain, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip:\n got %s\nwant %s", dump(got), dump(p))
	}
	if s := (Prefs{}).Settings(); len(s) != 0 {
		t.Errorf("empty prefs give settings %v", s)
	}
}

// TestUserPrefIsTheInstallersRule: the User managed preference is checked
// by the installer's own name rule (package users), limits included.
func TestUserPrefIsTheInstallersRule(t *testing.T) {
	for _, ok := range []string{"alice", "a.b", "first.last", "_svc", "Δημήτρης", "user-1", strings.Repeat("a", 255), "@console"} {
		if err := checkUserPref(ok); err != nil {
			t.Errorf("User %q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/", "a/b", "..", ".", "a..b", "x\x00", "tab\there", "a:b", "-rf", "+nis", strings.Repeat("a", 256)} {
		err := checkUserPref(bad)
		if err == nil {
			t.Errorf("User %q accepted", bad)
			continue
		}
		if uerr := users.CheckName(bad); uerr == nil || !strings.HasSuffix(err.Error(), uerr.Error()) {
			t.Errorf("User %q: %v, not the installer's rule (%v)", bad, err, uerr)
		}
	}
}
