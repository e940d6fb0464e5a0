package appsettings

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzEditRestore: for any JSON object, Edit gives valid JSON with every
// wanted value and every other member unchanged, a second Edit changes
// nothing, and Restore with the records Observe took gives the original
// bytes back exactly.
func FuzzEditRestore(f *testing.F) {
	f.Add([]byte(`{"a": 1, "DockerBinInstallPath": "user"}`), false)
	f.Add([]byte("{\r\n\t\"x\":[1,{\"y\":\"}\"}],\r\n\t\"showInstallScreen\" : true\r\n}"), true)
	f.Add([]byte(`{}`), false)
	f.Add([]byte(`{"RequireVmnetd":true,"ShowInstallScreen":false}`), false)
	want := Wanted(Want{CLILocation: "system", DockerSocket: true, PrivilegedPorts: false, SetVmnetd: true})
	f.Fuzz(func(t *testing.T, data []byte, legacy bool) {
		var before map[string]json.RawMessage
		if json.Unmarshal(data, &before) != nil || before == nil {
			return
		}
		o, err := Parse(data)
		if err != nil {
			t.Fatalf("Parse refused a JSON object %q: %v", data, err)
		}
		if o.Len() != len(before) {
			return // duplicate keys: encoding/json keeps the last one
		}
		out, err := Edit(data, legacy, want)
		if err != nil {
			t.Fatalf("Edit: %v", err)
		}
		var after map[string]json.RawMessage
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("Edit gave invalid JSON %q from %q: %v", out, data, err)
		}
		wanted := map[string]bool{}
		for _, v := range want {
			k := FileKey(v.Key, legacy)
			wanted[k] = true
			if !Same(after[k], []byte(v.Raw)) {
				t.Fatalf("%s is %s, want %s", k, after[k], v.Raw)
			}
		}
		for k, v := range before {
			if !wanted[k] && !bytes.Equal(after[k], v) {
				t.Fatalf("member %s changed: %s -> %s", k, v, after[k])
			}
		}
		if again, _ := Edit(out, legacy, want); !bytes.Equal(again, out) {
			t.Fatalf("second Edit changed %q to %q", out, again)
		}
		back, _, err := Restore(out, Observe(data, legacy, want))
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
		if !bytes.Equal(back, data) {
			t.Fatalf("Restore gave %q, want the original %q", back, data)
		}
	})
}
