package mdm

import (
	"bytes"
	"reflect"
	"testing"

	"howett.net/plist"
)

func TestMobileConfigExtras(t *testing.T) {
	settings := map[string]any{"AllowedOrgs": []string{"first_org", "second_org"}, "ProxyHTTPMode": "manual", "OverrideProxyHTTP": "http://company.proxy:3128"}
	extras := Extras{DockerConfig: DockerConfig(settings), Labels: []string{"com.docker.vmnetd", "com.docker.socket"}}
	out, err := MobileConfigWith(domain, "Docker", "Acme", settings, extras)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := MobileConfigWith(domain, "Docker", "Acme", settings, extras)
	if !bytes.Equal(out, again) {
		t.Error("same input, different bytes")
	}
	var top struct{ PayloadContent []map[string]any }
	if _, err := plist.Unmarshal(out, &top); err != nil {
		t.Fatal(err)
	}
	if len(top.PayloadContent) != 3 {
		t.Fatalf("%d payloads, want 3", len(top.PayloadContent))
	}
	dc, sm := top.PayloadContent[1], top.PayloadContent[2]
	if dc["PayloadType"] != DockerConfigType || dc["allowedOrgs"] != "first_org;second_org" || dc["overrideProxyHTTP"] != "http://company.proxy:3128" {
		t.Errorf("com.docker.config payload: %v", dc)
	}
	rules, _ := sm["Rules"].([]any)
	if sm["PayloadType"] != ServiceManagementType || len(rules) != 2 ||
		!reflect.DeepEqual(rules[0], map[string]any{"RuleType": "Label", "RuleValue": "com.docker.vmnetd"}) {
		t.Errorf("servicemanagement payload: %v", sm)
	}
	for _, p := range top.PayloadContent {
		if !uuidRE.MatchString(p["PayloadUUID"].(string)) {
			t.Errorf("bad UUID %v", p["PayloadUUID"])
		}
	}
	// The profile still round-trips through the managed-preferences reader.
	back, err := SettingsFromMobileConfig(out, domain)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, settings) {
		t.Errorf("round trip: %v, want %v", back, settings)
	}
	// Without extras, today's bytes.
	plain, _ := MobileConfig(domain, "Docker", "Acme", settings)
	withNone, _ := MobileConfigWith(domain, "Docker", "Acme", settings, Extras{})
	if !bytes.Equal(plain, withNone) {
		t.Error("MobileConfig and MobileConfigWith without extras differ")
	}
	if DockerConfig(map[string]any{"Kubernetes": true}) != nil {
		t.Error("a com.docker.config payload with nothing to say")
	}
}

func TestAdminSettingsDictionary(t *testing.T) {
	var p Prefs
	_, err := p.apply(map[string]any{"AdminSettings": map[string]any{
		"configurationFileVersion": int64(2), "kubernetes": map[string]any{"locked": true}}}, "f")
	if err != nil {
		t.Fatal(err)
	}
	if p.AdminSettings == nil || *p.AdminSettings != `{"configurationFileVersion":2,"kubernetes":{"locked":true}}` {
		t.Errorf("AdminSettings = %v", p.AdminSettings)
	}
	if _, err := p.apply(map[string]any{"AdminSettings": int64(1)}, "f"); err == nil {
		t.Error("an integer AdminSettings accepted")
	}
}
