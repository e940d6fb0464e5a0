package install

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/macfleet/installer/install/appsettings"
)

func TestWithCurrentContext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "{\n\t\"currentContext\": \"desktop-linux\"\n}"},
		{" \n", "{\n\t\"currentContext\": \"desktop-linux\"\n}"},
		{"{}", "{\n\t\"currentContext\": \"desktop-linux\"\n}"},
		{"{}\n", "{\n\t\"currentContext\": \"desktop-linux\"\n}\n"},
		{`{"auths":{}}`, `{"auths":{},"currentContext":"desktop-linux"}`},
		{"{\n\t\"auths\": {}\n}", "{\n\t\"auths\": {},\n\t\"currentContext\": \"desktop-linux\"\n}"},
		{"{\r\n  \"a\" : 1 ,\r\n  \"b\" : [1,{\"}\":\"]\"}]\r\n}\r\n", "{\r\n  \"a\" : 1 ,\r\n  \"b\" : [1,{\"}\":\"]\"}],\r\n  \"currentContext\" : \"desktop-linux\"\r\n}\r\n"},
		{`{"currentContext":"colima","x":"\"\\"}`, `{"currentContext":"desktop-linux","x":"\"\\"}`},
		{`{"currentContext":"a","currentContext":"b"}`, `{"currentContext":"a","currentContext":"desktop-linux"}`},
		{`{"n":{"currentContext":"nested"}}`, `{"n":{"currentContext":"nested"},"currentContext":"desktop-linux"}`},
	} {
		got, err := withCurrentContext([]byte(tc.in), "desktop-linux")
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestWithCurrentContextRefusesBadJSON(t *testing.T) {
	for _, in := range []string{`{`, `{"a":1,}`, `[]`, `"s"`, `null`, `{"a":1} {}`, "\xef\xbb\xbf{}"} {
		if out, err := withCurrentContext([]byte(in), "x"); err == nil {
			t.Errorf("%q: accepted, gave %q", in, out)
		}
	}
}

// Setting then removing a key that was not there gives the bytes back.
func TestRemoveMemberUndoesSet(t *testing.T) {
	for _, in := range []string{
		`{"a":1}`, "{\n    \"a\": {\"b\": [1, 2]},\n    \"c\": \"d\"\n}\n", "{ \"x\" : null }",
	} {
		set, err := withCurrentContext([]byte(in), "ctx")
		if err != nil {
			t.Fatal(err)
		}
		o, err := appsettings.Parse(set)
		if err != nil {
			t.Fatalf("%q: %v", set, err)
		}
		if back := appsettings.Remove(set, o, currentContextKey); string(back) != in {
			t.Errorf("%q -> %q -> %q", in, set, back)
		}
	}
}

// FuzzCurrentContext: for any JSON object, the result is valid JSON with
// the same members and currentContext set; removing what was added gives
// the input back.
func FuzzCurrentContext(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, "{\n\t\"auths\": {\"x\": {\"auth\": \"eA==\"}},\n\t\"currentContext\": \"y\"\n}", `{"a":[{"b":"}"}],"c":true}`, `{"\u0063urrentContext":"z"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var before map[string]any
		if json.Unmarshal([]byte(in), &before) != nil || before == nil {
			return
		}
		out, err := withCurrentContext([]byte(in), "desktop-linux")
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		var after map[string]any
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("%q -> %q: invalid: %v", in, out, err)
		}
		_, had := before[currentContextKey]
		before[currentContextKey] = "desktop-linux"
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("%q -> %q: members changed", in, out)
		}
		if had || len(before) == 1 {
			return
		}
		o, err := appsettings.Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if back := appsettings.Remove(out, o, currentContextKey); string(back) != in {
			t.Fatalf("%q -> %q -> %q", in, out, back)
		}
	})
}
