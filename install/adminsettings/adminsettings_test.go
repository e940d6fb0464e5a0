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
