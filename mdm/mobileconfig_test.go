package mdm

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"howett.net/plist"
)

var uuidRE = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`)

func sample() map[string]any {
	return map[string]any{"User": "@console", "Kubernetes": true, "AllowedOrgs": []string{"acme"}, "CLILocation": "user"}
}

func TestMobileConfigLayout(t *testing.T) {
	out, err := MobileConfig(domain, "Docker installer", "Acme Corp", sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) || !bytes.Contains(out, []byte("<!DOCTYPE plist")) {
		t.Errorf("not an XML plist:\n%s", out)
	}
	var top map[string]any
	format, err := plist.Unmarshal(out, &top)
	if err != nil || format != plist.XMLFormat {
		t.Fatalf("decode: format %d, %v", format, err)
	}
	want := map[string]any{
		"PayloadDisplayName":  "Docker installer",
		"PayloadIdentifier":   domain,
		"PayloadOrganization": "Acme Corp",
		"PayloadScope":        "System",
		"PayloadType":         "Configuration",
		"PayloadVersion":      uint64(1),
	}
	for k, v := range want {
		if !reflect.DeepEqual(top[k], v) {
			t.Errorf("top-level %s = %#v, want %#v", k, top[k], v)
		}
	}
	if u, _ := top["PayloadUUID"].(string); !uuidRE.MatchString(u) {
		t.Errorf("top-level PayloadUUID %q is not an upper-case version-5 UUID", u)
	}
	content, _ := top["PayloadContent"].([]any)
	if len(content) != 1 {
		t.Fatalf("PayloadContent = %#v, want one payload", top["PayloadContent"])
	}
	pl := content[0].(map[string]any)
	wantInner := map[string]any{
		"PayloadDisplayName": "Docker installer",
		"PayloadIdentifier":  domain + ".settings",
		"PayloadType":        domain,
		"PayloadVersion":     uint64(1),
	}
	for k, v := range wantInner {
		if !reflect.DeepEqual(pl[k], v) {
			t.Errorf("payload %s = %#v, want %#v", k, pl[k], v)
		}
	}
	if u, _ := pl["PayloadUUID"].(string); !uuidRE.MatchString(u) || u == top["PayloadUUID"] {
		t.Errorf("payload PayloadUUID %q: not a UUID, or the profile's own", u)
	}
	settings := map[string]any{}
	for k, v := range pl {
		if !strings.HasPrefix(k, "Payload") {
			settings[k] = v
		}
	}
	wantSettings := map[string]any{"User": "@console", "Kubernetes": true, "AllowedOrgs": []any{"acme"}, "CLILocation": "user"}
	if !reflect.DeepEqual(settings, wantSettings) {
		t.Errorf("payload settings = %#v\nwant %#v", settings, wantSettings)
	}
}

func TestMobileConfigStable(t *testing.T) {
	a, err := MobileConfig(domain, "Docker", "Acme", sample())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := MobileConfig(domain, "Docker", "Acme", sample())
	if !bytes.Equal(a, b) {
		t.Fatal("the same input gave different bytes")
	}
	uuids := func(b []byte) [2]string {
		var top struct {
			PayloadUUID    string
			PayloadContent []struct{ PayloadUUID string }
		}
		if _, err := plist.Unmarshal(b, &top); err != nil {
			t.Fatal(err)
		}
		return [2]string{top.PayloadUUID, top.PayloadContent[0].PayloadUUID}
	}
	base := uuids(a)
	changed := map[string]func() ([]byte, error){
		"a setting": func() ([]byte, error) {
			s := sample()
			s["Kubernetes"] = false
			return MobileConfig(domain, "Docker", "Acme", s)
		},
		"an added key": func() ([]byte, error) {
			s := sample()
			s["AcceptLicense"] = true
			return MobileConfig(domain, "Docker", "Acme", s)
		},
		"an org in list": func() ([]byte, error) {
			s := sample()
			s["AllowedOrgs"] = []string{"acme", "b"}
			return MobileConfig(domain, "Docker", "Acme", s)
		},
		"the domain": func() ([]byte, error) { return MobileConfig("com.iechor.installer", "Docker", "Acme", sample()) },
		"the name":   func() ([]byte, error) { return MobileConfig(domain, "Docker 2", "Acme", sample()) },
		"the org":    func() ([]byte, error) { return MobileConfig(domain, "Docker", "Acme Inc", sample()) },
	}
	for what, f := range changed {
		out, err := f()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		u := uuids(out)
		if u[0] == base[0] || u[1] == base[1] {
			t.Errorf("changing %s kept a UUID: %v vs %v", what, u, base)
		}
	}
}

func TestMobileConfigErrors(t *testing.T) {
	tests := []struct {
		name     string
		domain   string
		settings map[string]any
		want     string
	}{
		{"no settings", domain, nil, "no settings given"},
		{"unknown key", domain, map[string]any{"Kubernetes": true, "Kubernets": true}, `unknown setting "Kubernets"; known: User, CLILocation`},
		{"wrong type", domain, map[string]any{"Kubernetes": "yes"}, `setting key "Kubernetes" must be a boolean, got string`},
		{"bad value", domain, map[string]any{"PathEdit": "bashrc"}, `key "PathEdit" must be one of`},
		{"Payload key", domain, map[string]any{"PayloadUUID": "x"}, `setting "PayloadUUID": Payload keys belong to the profile itself`},
		{"bad domain", "../x", map[string]any{"Kubernetes": true}, `bad preference domain`},
		{"orgs as []int", domain, map[string]any{"AllowedOrgs": []int{1}}, `must be an array of strings`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MobileConfig(tt.domain, "", "", tt.settings)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMobileConfigDefaults(t *testing.T) {
	out, err := MobileConfig(domain, "", "", map[string]any{"Kubernetes": true})
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if _, err := plist.Unmarshal(out, &top); err != nil {
		t.Fatal(err)
	}
	if top["PayloadDisplayName"] != domain+" settings" {
		t.Errorf("PayloadDisplayName = %v", top["PayloadDisplayName"])
	}
	if _, ok := top["PayloadOrganization"]; ok {
		t.Error("an empty organization was written")
	}
}

func TestSettingsFromMobileConfigRoundTrip(t *testing.T) {
	all := everythingPrefs("").Settings()
	out, err := MobileConfig(domain, "Docker", "Acme", all)
	if err != nil {
		t.Fatal(err)
	}
	got, err := SettingsFromMobileConfig(out, domain)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, all) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, all)
	}
	// Placed where macOS puts them, the settings load as the same Prefs.
	r := &files{data: map[string][]byte{devicePath: binPlist(t, got)}}
	p, unknown, err := Load(r, domain, "")
	if err != nil || unknown != nil {
		t.Fatal(err, unknown)
	}
	if !reflect.DeepEqual(p, everythingPrefs(devicePath)) {
		t.Errorf("loaded %s", dump(p))
	}
}

func TestSettingsFromMobileConfigForms(t *testing.T) {
	wrap := func(payloads ...any) []byte {
		return xmlPlist(t, map[string]any{"PayloadType": "Configuration", "PayloadContent": payloads})
	}
	mcx := func(dom string, forced ...map[string]any) map[string]any {
		var f []any
		for _, s := range forced {
			f = append(f, map[string]any{"mcx_preference_settings": s})
		}
		return map[string]any{"PayloadType": MCXPayloadType, "PayloadContent": map[string]any{dom: map[string]any{"Forced": f}}}
	}
	tests := []struct {
		name string
		data []byte
		want map[string]any
		err  string
	}{
		{
			name: "a payload whose type is the domain, keys beside the Payload ones",
			data: wrap(map[string]any{"PayloadType": domain, "PayloadUUID": "X", "PayloadVersion": 1, "Kubernetes": true}),
			want: map[string]any{"Kubernetes": true},
		},
		{
			name: "other payloads and other domains are skipped, later payloads win",
			data: wrap(
				map[string]any{"PayloadType": "com.apple.security.pkcs1", "PayloadContent": []byte{1, 2}},
				mcx("com.other", map[string]any{"Kubernetes": "not ours"}),
				mcx(domain, map[string]any{"Kubernetes": false, "CLILocation": "user"}),
				map[string]any{"PayloadType": domain, "Kubernetes": true},
			),
			want: map[string]any{"Kubernetes": true, "CLILocation": "user"},
		},
		{
			name: "unknown keys are dropped",
			data: wrap(mcx(domain, map[string]any{"Kubernetes": true, "Later": 1})),
			want: map[string]any{"Kubernetes": true},
		},
		{name: "no payload for the domain", data: wrap(mcx("com.other", map[string]any{"Kubernetes": true})), err: "no payload carries settings for com.docker.installer"},
		{name: "wrong type", data: wrap(mcx(domain, map[string]any{"Kubernetes": 1})), err: `setting key "Kubernetes" must be a boolean, got integer`},
		{name: "not a profile", data: xmlPlist(t, map[string]any{"PayloadType": "Other"}), err: `PayloadType must be "Configuration", got "Other"`},
		{name: "no content", data: xmlPlist(t, map[string]any{"PayloadType": "Configuration"}), err: "PayloadContent must be an array, got nothing"},
		{name: "Forced not an array", data: wrap(map[string]any{"PayloadType": MCXPayloadType, "PayloadContent": map[string]any{domain: map[string]any{"Forced": true}}}), err: "payload 1: PayloadContent.com.docker.installer.Forced must be an array, got boolean"},
		{name: "signed", data: []byte{0x30, 0x82, 0x01, 0x00}, err: "the profile is signed"},
		{name: "garbage", data: []byte("hello"), err: "is not an XML or binary property list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SettingsFromMobileConfig(tt.data, domain)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestMobileConfigPythonPlistlib: python's plistlib is a second, strict
// reader of the format, close to what macOS's own parser accepts.
func TestMobileConfigPythonPlistlib(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	out, err := MobileConfig(domain, "Docker installer", "Acme Corp", everythingPrefs("").Settings())
	if err != nil {
		t.Fatal(err)
	}
	const script = `
import json, plistlib, sys
p = plistlib.loads(sys.stdin.buffer.read(), fmt=plistlib.FMT_XML)  # load() needs a seekable file
inner = p["PayloadContent"][0]
json.dump({
    "top": sorted(p.keys()),
    "inner": sorted(inner.keys()),
    "type": p["PayloadType"], "innerType": inner["PayloadType"], "scope": p["PayloadScope"],
    "version": p["PayloadVersion"], "innerVersion": inner["PayloadVersion"],
    "settings": {k: v for k, v in inner.items() if not k.startswith("Payload")},
}, sys.stdout)
`
	cmd := exec.Command(py, "-c", script, domain)
	cmd.Stdin = bytes.NewReader(out)
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("plistlib refused the profile: %v\n%s", err, stderrOf(err))
	}
	var got struct {
		Top, Inner             []string
		Type, InnerType, Scope string
		Version, InnerVersion  int
		Settings               map[string]any
	}
	if err := json.Unmarshal(res, &got); err != nil {
		t.Fatal(err)
	}
	wantTop := []string{"PayloadContent", "PayloadDisplayName", "PayloadIdentifier", "PayloadOrganization", "PayloadScope", "PayloadType", "PayloadUUID", "PayloadVersion"}
	var wantInner []string
	for k := range everything {
		wantInner = append(wantInner, k)
	}
	wantInner = append(wantInner, "PayloadDisplayName", "PayloadIdentifier", "PayloadType", "PayloadUUID", "PayloadVersion")
	sort.Strings(wantInner)
	if !reflect.DeepEqual(got.Top, wantTop) || !reflect.DeepEqual(got.Inner, wantInner) {
		t.Errorf("keys: top %q, payload %q", got.Top, got.Inner)
	}
	if got.Type != "Configuration" || got.InnerType != domain || got.Scope != "System" || got.Version != 1 || got.InnerVersion != 1 {
		t.Errorf("plistlib read %+v", got)
	}
	if got.Settings["Kubernetes"] != true || got.Settings["AdminSettings"] != everything["AdminSettings"] || len(got.Settings) != len(everything) {
		t.Errorf("settings as plistlib reads them: %v", got.Settings)
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
