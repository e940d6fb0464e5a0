package mdm

import (
	"encoding/json"
	"testing"

	"howett.net/plist"
)

// Every managed-preferences key appears with its type, and a plist made
// of the schema's defaults is accepted by the reader install uses.
func TestSchemas(t *testing.T) {
	js, err := JamfSchema(domain, "docker installer")
	if err != nil {
		t.Fatal(err)
	}
	var jamf struct {
		Title      string
		Properties map[string]struct {
			Type    string
			Default any
			Enum    []string
			Options struct {
				EnumTitles []string `json:"enum_titles"`
			}
			PropertyOrder int `json:"property_order"`
		}
	}
	if err := json.Unmarshal(js, &jamf); err != nil {
		t.Fatal(err)
	}
	pm, err := ProfileManifest(domain, "docker installer")
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Domain  string `plist:"pfm_domain"`
		Subkeys []struct {
			Name    string   `plist:"pfm_name"`
			Type    string   `plist:"pfm_type"`
			Default any      `plist:"pfm_default"`
			Range   []string `plist:"pfm_range_list"`
			Desc    string   `plist:"pfm_description"`
		} `plist:"pfm_subkeys"`
	}
	if _, err := plist.Unmarshal(pm, &man); err != nil {
		t.Fatal(err)
	}
	if man.Domain != domain || jamf.Title == "" {
		t.Errorf("domain %q title %q", man.Domain, jamf.Title)
	}
	want := map[Type]string{TypeString: "string", TypeBoolean: "boolean", TypeStringArray: "array"}
	pfm := map[string]int{}
	for i, k := range man.Subkeys {
		pfm[k.Name] = i
	}
	defaultsJamf, defaultsPFM := map[string]any{}, map[string]any{}
	for _, k := range Keys() {
		p, ok := jamf.Properties[k.Name]
		if !ok || p.Type != want[k.Type] {
			t.Errorf("jamf: %s is %q (present %v), want %s", k.Name, p.Type, ok, want[k.Type])
		}
		if len(k.Values) > 0 && (len(p.Enum) != len(k.Values) || len(p.Options.EnumTitles) != len(k.Values)) {
			t.Errorf("jamf: %s enum %v", k.Name, p.Enum)
		}
		i, ok := pfm[k.Name]
		if !ok || man.Subkeys[i].Type != want[k.Type] || man.Subkeys[i].Desc == "" {
			t.Errorf("profilemanifests: %s missing or wrongly typed", k.Name)
			continue
		}
		if p.Default != nil {
			defaultsJamf[k.Name] = p.Default
		}
		if d := man.Subkeys[i].Default; d != nil {
			defaultsPFM[k.Name] = d
		}
	}
	if len(jamf.Properties) != len(Keys()) || len(man.Subkeys) != len(Keys()) {
		t.Errorf("%d jamf properties, %d subkeys, %d keys", len(jamf.Properties), len(man.Subkeys), len(Keys()))
	}
	for name, d := range map[string]map[string]any{"jamf": defaultsJamf, "profilemanifests": defaultsPFM} {
		if len(d) == 0 {
			t.Fatalf("%s: no defaults", name)
		}
		data, err := plist.Marshal(d, plist.BinaryFormat)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(&files{data: map[string][]byte{devicePath: data}}, domain, ""); err != nil {
			t.Errorf("%s defaults refused: %v", name, err)
		}
	}
}
