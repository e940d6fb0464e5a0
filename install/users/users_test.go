package users

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		err  string // substring of the error; "" means valid
	}{
		{"alice", ""},
		{"first.last", ""},
		{"a_b-c", ""},
		{"Ünïcode", ""},
		{strings.Repeat("a", 255), ""},
		{"", `user "": empty name`},
		{"alice/x", `user "alice/x": name contains '/'`},
		{"../../etc/passwd", `name contains '/'`},
		{"a\x00b", `user "a\x00b": name contains a NUL byte`},
		{"alice\n", `user "alice\n": name contains a line break`},
		{"alice\rbob", `name contains a line break`},
		{"..", `user "..": name contains '..'`},
		{".", `user ".": name is "."`},
		{".hidden", ""},
		{"a..b", `name contains '..'`},
		{"a:b", `name contains ':'`},
		{"-rf", `name starts with '-'`},
		{"+nis", `name starts with '+'`},
		{"tab\there", `name contains a control character`},
		{strings.Repeat("a", 256), `name is 256 bytes long, longer than 255`},
		{strings.Repeat("é", 127) + "a", ""},                                  // 255 bytes
		{strings.Repeat("é", 128), `name is 256 bytes long, longer than 255`}, // bytes, not runes
	}
	for _, tt := range tests {
		err := CheckName(tt.name)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("CheckName(%q) = %v, want nil", tt.name, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("CheckName(%q) = %v, want error containing %q", tt.name, err, tt.err)
		case tt.err != "" && !errors.Is(err, ErrInvalid):
			t.Errorf("CheckName(%q) = %v, not ErrInvalid", tt.name, err)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("CheckName(%q): error spans lines: %q", tt.name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	alice := User{Name: "alice", UID: 501, GID: 20, Home: "/Users/alice", Source: "dslocal"}
	with := func(f func(*User)) User { u := alice; f(&u); return u }
	tests := []struct {
		desc   string
		u      User
		minUID int
		err    string
	}{
		{"person on macOS", alice, MinUIDDarwin, ""},
		{"lowest person uid", with(func(u *User) { u.UID = 500 }), MinUIDDarwin, ""},
		{"person in passwd root", with(func(u *User) { u.UID = 1000; u.Home = "/home/alice" }), MinUIDPasswd, ""},
		{"root", with(func(u *User) { u.Name, u.UID = "root", 0 }), MinUIDDarwin, `user "root": uid 0 is root`},
		{"root even with min 0", with(func(u *User) { u.UID = 0 }), 0, "uid 0 is root"},
		{"system account dslocal", with(func(u *User) { u.UID = 200 }), MinUIDDarwin, "uid 200 is a system account (below 500)"},
		{"system account passwd", with(func(u *User) { u.UID = 999 }), MinUIDPasswd, "uid 999 is a system account (below 1000)"},
		{"mac uid in a passwd root", alice, MinUIDPasswd, "uid 501 is a system account (below 1000)"},
		{"nobody", with(func(u *User) { u.Name, u.UID = "nobody", -2 }), MinUIDDarwin, "uid -2 is a system account"},
		{"no home", with(func(u *User) { u.Home = "" }), MinUIDDarwin, `user "alice": has no home directory`},
		{"relative home", with(func(u *User) { u.Home = "Users/alice" }), MinUIDDarwin, `home "Users/alice" is not an absolute path`},
		{"home with ..", with(func(u *User) { u.Home = "/Users/../etc" }), MinUIDDarwin, `home "/Users/../etc" contains '..'`},
		{"bad name", with(func(u *User) { u.Name = "a/b" }), MinUIDDarwin, "name contains '/'"},
	}
	for _, tt := range tests {
		err := Validate(tt.u, tt.minUID)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tt.desc, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: Validate = %v, want error containing %q", tt.desc, err, tt.err)
		case tt.err != "" && !errors.Is(err, ErrInvalid):
			t.Errorf("%s: Validate = %v, not ErrInvalid", tt.desc, err)
		}
	}
}
