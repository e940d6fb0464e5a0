package adminsettings

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// Docker's documented example file (configure-json-file.md) is accepted
// as written, with no warning, and written back saying the same.
func TestDockerExample(t *testing.T) {
	data, err := os.ReadFile("testdata/docker-example.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Check(string(data))
	if err != nil {
		t.Fatalf("Docker's own example refused: %v", err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings on Docker's own example: %q", c.Warnings)
	}
	var a, b bytes.Buffer
	if err := json.Compact(&a, data); err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&b, c.File); err != nil || a.String() != b.String() {
		t.Errorf("the file says something else than the example (%v):\n%s", err, c.File)
	}
}

// The single-quoted form of Docker's install guide (mac-install.md) is
// read with a hint.
func TestSingleQuotedForm(t *testing.T) {
	c, err := Check(`{'configurationFileVersion': 2, 'enhancedContainerIsolation': {'value': true, 'locked': false}}`)
	if err != nil {
		t.Fatal(err)
	}
	if c.JSON != `{"configurationFileVersion": 2, "enhancedContainerIsolation": {"value": true, "locked": false}}` {
		t.Errorf("JSON = %s", c.JSON)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "single quotes") {
		t.Errorf("warnings = %q", c.Warnings)
	}
	// A quote inside a double-quoted string is not a string start.
	c, err = Check(`{"configurationFileVersion": 2, 'kubernetes': {"imagesRepository": "it's"}}`)
	if err != nil || !strings.Contains(c.JSON, `"it's"`) {
		t.Errorf("mixed quotes: %v %s", err, c.JSON)
	}
}

func TestShapeErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"configurationFileVersion":2,"kubernetes":{"locked":"yes"}}`:                                                   "kubernetes.locked: want a boolean, got a string",
		`{"configurationFileVersion":"two","enhancedContainerIsolation":true}`:                                           "configurationFileVersion: want an integer, got a string",
		`{"configurationFileVersion":2.5}`:                                                                               "configurationFileVersion: want an integer",
		`{"configurationFileVersion":2,"enhancedContainerIsolation":true}`:                                               "enhancedContainerIsolation: want an object, got a boolean",
		`{"configurationFileVersion":2,"proxy":{"mode":"auto"}}`:                                                         `proxy.mode: want one of system, manual, got "auto"`,
		`{"configurationFileVersion":2,"filesharingAllowedDirectories":[{"path":1}]}`:                                    "filesharingAllowedDirectories[0].path: want a string, got a number",
		`{"configurationFileVersion":2,"linuxVM":{"dockerDaemonOptions":{"value":"{"}}}`:                                 "linuxVM.dockerDaemonOptions.value: want a string holding JSON text",
		`{"configurationFileVersion":2,"enhancedContainerIsolation":{"dockerSocketMount":{"imageList":{"images":[1]}}}}`: "enhancedContainerIsolation.dockerSocketMount.imageList.images[0]: want a string",
		`{"configurationFileVersion":2,"disableUpdate":{"value":"true"}}`:                                                "disableUpdate.value: want a boolean",
		`{"configurationFileVersion":2,"enableInferenceTCPPort":{"value":"12434"}}`:                                      "enableInferenceTCPPort.value: want an integer",
		`{"exposeDockerAPIOnTCP2375":{"locked":true}}`:                                                                   "configurationFileVersion is missing",
		`[1,2]`:     "want a JSON object, got an array",
		`{not json`: "not JSON",
		`   `:       "empty",
		`{'a': 'b`:  "not JSON",
	} {
		_, err := Check(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%s) = %v, want %q", in, err, want)
		}
	}
	_, err := Check(`{"configurationFileVersion":2,"kubernetes":{"locked":1}}`)
	var pe *PathError
	if !errors.As(err, &pe) || pe.Path != "kubernetes.locked" {
		t.Errorf("not a PathError naming kubernetes.locked: %v", err)
	}
}

func TestUnknownKeysWarn(t *testing.T) {
	c, err := Check(`{"configurationFileVersion":2,"foo":1,"kubernetes":{"enabled":true,"bar":2}}`)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.Warnings, "\n")
	for _, k := range []string{"unknown key foo,", "unknown key kubernetes.bar,"} {
		if !strings.Contains(got, k) {
			t.Errorf("no warning %q in %q", k, got)
		}
	}
	if !json.Valid(c.File) || !bytes.Contains(c.File, []byte(`"foo": 1`)) {
		t.Errorf("unknown key not kept: %s", c.File)
	}
}

func TestProxyPasswordWarns(t *testing.T) {
	c, err := Check(`{"configurationFileVersion":2,"proxy":{"mode":"manual","http":"http://bob:s3cret@proxy:3128","https":"http://proxy:3128"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "proxy.http holds a password") || !strings.Contains(c.Warnings[0], "every local user") {
		t.Errorf("warnings = %q", c.Warnings)
	}
	if strings.Contains(strings.Join(c.Warnings, ""), "s3cret") {
		t.Error("the warning repeats the password")
	}
}

func TestVersionOtherThanTwoWarns(t *testing.T) {
	c, err := Check(`{"configurationFileVersion":1}`)
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "version 2") {
		t.Errorf("%v %q", err, c.Warnings)
	}
}

func TestBOMDropped(t *testing.T) {
	c, err := Check("\ufeff{\"configurationFileVersion\":2}")
	if err != nil || bytes.HasPrefix(c.File, []byte("\xef\xbb\xbf")) {
		t.Errorf("%v %q", err, c.File)
	}
}

// Docker's single-quoted form escapes a quote inside a string as \'
// (mac-install.md shows it for values such as "it's"); a backslash before
// anything else is kept as written, and a double quote inside becomes \".
func TestSingleQuotedEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`{'configurationFileVersion': 2, 'kubernetes': {'imagesRepository': 'it\'s'}}`:    `{"configurationFileVersion": 2, "kubernetes": {"imagesRepository": "it's"}}`,
		`{'configurationFileVersion': 2, 'kubernetes': {'imagesRepository': '\'q\''}}`:    `{"configurationFileVersion": 2, "kubernetes": {"imagesRepository": "'q'"}}`,
		`{'configurationFileVersion': 2, 'kubernetes': {'imagesRepository': 'a\\b'}}`:     `{"configurationFileVersion": 2, "kubernetes": {"imagesRepository": "a\\\\b"}}`,
		`{'configurationFileVersion': 2, 'kubernetes': {'imagesRepository': 'say "hi"'}}`: `{"configurationFileVersion": 2, "kubernetes": {"imagesRepository": "say \"hi\""}}`,
		`{'configurationFileVersion': 2, "kubernetes": {"imagesRepository": "a\"'b"}}`:    `{"configurationFileVersion": 2, "kubernetes": {"imagesRepository": "a\"'b"}}`,
		`{'configurationFileVersion': 2, 'kubernetes': {'imagesRepository': '<a&b>'}}`:    `{"configurationFileVersion": 2, "kubernetes": {"imagesRepository": "<a&b>"}}`,
	} {
		c, err := Check(in)
		if err != nil {
			t.Errorf("Check(%s): %v", in, err)
			continue
		}
		if c.JSON != want {
			t.Errorf("Check(%s):\n JSON %s\n want %s", in, c.JSON, want)
		}
		if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "single quotes") {
			t.Errorf("Check(%s): warnings %q", in, c.Warnings)
		}
	}
	// An escaped quote does not end the string: one left open is refused.
	for _, in := range []string{
		`{'configurationFileVersion': 2, 'kubernetes': {'imagesRepository': 'it\'}}`,
		`{'configurationFileVersion': 2, 'kubernetes': {"imagesRepository": "it\"}}`,
		`{'configurationFileVersion': 2, 'x': 'a\`,
	} {
		if c, err := Check(in); err == nil || !strings.Contains(err.Error(), "not JSON") {
			t.Errorf("Check(%s) = %s, %v; want not JSON", in, c.JSON, err)
		}
	}
}

// Every setting of the shared {"locked": bool, …} form refuses a
// "locked" that is not a boolean, naming the key path; checked for each
// such setting the description holds, not only kubernetes.
func TestLockedMustBeBoolean(t *testing.T) {
	for in, want := range map[string]string{
		`{"configurationFileVersion":2,"disableUpdate":{"locked":"true","value":true}}`:                 "disableUpdate.locked: want a boolean, got a string",
		`{"configurationFileVersion":2,"analyticsEnabled":{"locked":1,"value":false}}`:                  "analyticsEnabled.locked: want a boolean, got a number",
		`{"configurationFileVersion":2,"linuxVM":{"dockerDaemonOptions":{"locked":null,"value":"{}"}}}`: "linuxVM.dockerDaemonOptions.locked: want a boolean, got null",
		`{"configurationFileVersion":2,"enhancedContainerIsolation":{"locked":[true],"value":true}}`:    "enhancedContainerIsolation.locked: want a boolean, got an array",
		`{"configurationFileVersion":2,"proxy":{"locked":{},"mode":"system"}}`:                          "proxy.locked: want a boolean, got an object",
	} {
		if _, err := Check(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%s) = %v, want %q", in, err, want)
		}
	}
	// And every documented setting with a "locked" key, found by walking
	// the description.
	n := 0
	var visit func(s *shape, path []string)
	visit = func(s *shape, path []string) {
		if s.kind != kObject {
			return
		}
		if _, ok := s.fields["locked"]; ok && len(path) > 0 {
			n++
			doc := `{"locked":"yes"}`
			for i := len(path) - 1; i >= 0; i-- {
				doc = `{"` + path[i] + `":` + doc + `}`
			}
			doc = `{"configurationFileVersion":2,` + doc[1:]
			_, err := Check(doc)
			var pe *PathError
			if p := strings.Join(path, ".") + ".locked"; !errors.As(err, &pe) || pe.Path != p || !strings.Contains(pe.Want, "a boolean") {
				t.Errorf("Check(%s) = %v, want a PathError at %s wanting a boolean", doc, err, p)
			}
			good := strings.Replace(doc, `"yes"`, "true", 1)
			if _, err := Check(good); err != nil {
				t.Errorf("Check(%s): %v", good, err)
			}
		}
		for k, f := range s.fields {
			visit(f, append(append([]string(nil), path...), k))
		}
	}
	visit(documented, nil)
	if n < 30 {
		t.Errorf("only %d settings with a locked key found; the description has more", n)
	}
}

// The list shapes: an array of strings, a string or an array of strings,
// and an array of objects, each refused with its own words when given
// another type, and accepted in each documented form.
func TestListShapes(t *testing.T) {
	for in, want := range map[string]string{
		`{"configurationFileVersion":2,"enhancedContainerIsolation":{"dockerSocketMount":{"imageList":{"images":"docker.io/x"}}}}`: "enhancedContainerIsolation.dockerSocketMount.imageList.images: want an array of strings, got a string",
		`{"configurationFileVersion":2,"proxy":{"exclude":1}}`:                                                                     "proxy.exclude: want a string or an array of strings, got a number",
		`{"configurationFileVersion":2,"proxy":{"exclude":["a",true]}}`:                                                            "proxy.exclude[1]: want a string, got a boolean",
		`{"configurationFileVersion":2,"filesharingAllowedDirectories":{}}`:                                                        "filesharingAllowedDirectories: want an array, got an object",
		`{"configurationFileVersion":2,"filesharingAllowedDirectories":[{},[]]}`:                                                   "filesharingAllowedDirectories[1]: want an object, got an array",
		`{"configurationFileVersion":2,"scout":{"sbomIndexing":null}}`:                                                             "scout.sbomIndexing: want a boolean, got null",
	} {
		_, err := Check(in)
		var pe *PathError
		if !errors.As(err, &pe) || err.Error() != want {
			t.Errorf("Check(%s) = %v, want the PathError %q", in, err, want)
		}
	}
	for _, in := range []string{
		`{"configurationFileVersion":2,"proxy":{"exclude":"localhost,*.corp"}}`,
		`{"configurationFileVersion":2,"proxy":{"exclude":["localhost","*.corp"]}}`,
		`{"configurationFileVersion":2,"proxy":{"exclude":[]}}`,
		`{"configurationFileVersion":2,"enhancedContainerIsolation":{"dockerSocketMount":{"imageList":{"images":[]}}}}`,
		`{"configurationFileVersion":2,"filesharingAllowedDirectories":[{"path":"$HOME","sharedByDefault":true},{"path":"/tmp"}]}`,
	} {
		if c, err := Check(in); err != nil || len(c.Warnings) != 0 {
			t.Errorf("Check(%s) = %v, warnings %q", in, err, c.Warnings)
		}
	}
}

// An unterminated single-quoted string is not read as one running to the
// end of the text: the text is not JSON, however it would read closed.
func TestUnterminatedSingleQuote(t *testing.T) {
	for _, in := range []string{`'{"configurationFileVersion": 2}`, `{"configurationFileVersion": 2} '`} {
		if _, err := Check(in); err == nil || !strings.Contains(err.Error(), "not JSON") {
			t.Errorf("Check(%s) = %v, want not JSON", in, err)
		}
	}
}
