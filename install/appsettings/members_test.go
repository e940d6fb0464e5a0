package appsettings

import (
	"errors"
	"strings"
	"testing"
)

// TestParseRefusals: what is not one JSON object is refused with the
// decoder's own reason (where and why), never laid out.
func TestParseRefusals(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":}`:  "invalid character '}'",
		`{"a":1`:  "unexpected end of JSON input",
		`[1, 2]`:  "the top level is not an object but starts with '['",
		` "str" `: "the top level is not an object but starts with '\"'",
	} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error with %q", in, err, want)
		}
	}
	_, err := Edit([]byte(`{"a":`), false, UserMode())
	var no *NotObjectError
	if !errors.As(err, &no) || !strings.HasPrefix(err.Error(), "not a JSON object: ") || errors.Unwrap(err) == nil {
		t.Errorf("Edit of a broken store: %v, want a NotObjectError wrapping the reason", err)
	}
	if got := Drift([]byte(`[]`), false, UserMode()); len(got) != 1 || !strings.HasPrefix(got[0], "not a JSON object: the top level") {
		t.Errorf("Drift of an array = %q", got)
	}
}

func TestIsString(t *testing.T) {
	for raw, want := range map[string]bool{`"user"`: true, `"us\u0065r"`: true, `"system"`: false, `user`: false, `1`: false, `["user"]`: false} {
		if got := IsString([]byte(raw), "user"); got != want {
			t.Errorf("IsString(%s, user) = %v, want %v", raw, got, want)
		}
	}
}
