package users

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"howett.net/plist"
)

// fakeRoot is a Reader over a map of logical paths. errs injects a read
// error for a path.
type fakeRoot struct {
	files map[string][]byte
	errs  map[string]error
}

func (f fakeRoot) ReadFile(name string) ([]byte, error) {
	if err, ok := f.errs[name]; ok {
		return nil, err
	}
	if b, ok := f.files[name]; ok {
		return b, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// macPasswd is the shape of macOS's /etc/passwd: system accounts only,
// people live in dslocal.
const macPasswd = `##
# User Database
#
# Note that this file is consulted directly only when the system is running
# in single-user mode.  At other times this information is provided by
# Open Directory.
##
nobody:*:-2:-2:Unprivileged User:/var/empty:/usr/bin/false
root:*:0:0:System Administrator:/var/root:/bin/sh
daemon:*:1:1:System Services:/var/root:/usr/bin/false
_www:*:70:70:World Wide Web Server:/Library/WebServer:/usr/bin/false
`

// linuxPasswd is a Linux image's /etc/passwd with the usual noise.
const linuxPasswd = "root:x:0:0:root:/root:/bin/bash\n" +
	"# a comment\n" +
	"\n" +
	"systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin\n" +
	"broken line without fields\n" +
	"toomany:x:1:1:a:b:c:d:e\n" +
	"+::::::\n" +
	"sys:x:999:999:system:/var/lib/sys:/usr/sbin/nologin\n" +
	"bob:x:1000:1000:Bob Builder,,,:/home/bob:/bin/bash\r\n" +
	"bob:x:1001:1001:second bob:/home/bob2:/bin/bash\n" +
	"bobby:x:1002:1002::/home/bobby:/bin/zsh\n" +
	"nohome:x:1003:1003:::/bin/sh\n" +
	"carol:x:1004:1004::/home/carol:/bin/sh" // no final newline

func dslocalPath(name string) string { return dslocalDir + "/" + name + ".plist" }

// record is a dslocal record as macOS writes it: every value an array,
// password hashes as data, dates, nested plists.
func record(name, uid, gid, home string) map[string]any {
	r := map[string]any{
		"name":           []string{name},
		"uid":            []string{uid},
		"gid":            []string{gid},
		"generateduid":   []string{"6E3A5F2C-1B7D-4C2A-9F0E-2D3C4B5A6978"},
		"realname":       []string{"Alice Appleseed"},
		"shell":          []string{"/bin/zsh"},
		"ShadowHashData": [][]byte{{0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x00, 0xff}},
		"passwordpolicyoptions": []any{map[string]any{
			"failedLoginTimestamp": time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC),
			"nested":               []any{map[string]any{"deep": []int{1, 2, 3}}},
		}},
		"accountPolicyData": []any{[]byte("<plist>not parsed</plist>"), time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
		"LinkedIdentity":    []any{3.5, true, 42},
	}
	if home != "" {
		r["home"] = []string{home}
	}
	return r
}

func encode(t *testing.T, v any, format int) []byte {
	t.Helper()
	b, err := plist.Marshal(v, format)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOffline(t *testing.T) {
	formats := []struct {
		name   string
		format int
	}{{"binary", plist.BinaryFormat}, {"xml", plist.XMLFormat}}

	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			enc := func(v any) []byte { return encode(t, v, f.format) }
			root := fakeRoot{files: map[string][]byte{
				"/etc/passwd":         []byte(macPasswd),
				dslocalPath("alice"):  enc(record("alice", "501", "20", "/Users/alice")),
				dslocalPath("_spot"):  enc(record("_spot", "200", "200", "/var/spot")),
				dslocalPath("root"):   enc(record("root", "0", "0", "/var/root")),
				dslocalPath("nohome"): enc(record("nohome", "502", "20", "")),
				dslocalPath("alias"): enc(func() map[string]any {
					r := record("alias", "503", "20", "/Users/alias")
					r["name"] = []string{"shortname", "alias"}
					return r
				}()),
			}}
			tests := []struct {
				user   string
				want   User
				minUID int
				valid  string // Validate error substring; "" = valid
			}{
				{"alice", User{"alice", 501, 20, "/Users/alice", "dslocal"}, 500, ""},
				{"_spot", User{"_spot", 200, 200, "/var/spot", "dslocal"}, 500, "uid 200 is a system account"},
				{"root", User{"root", 0, 0, "/var/root", "dslocal"}, 500, "uid 0 is root"},
				{"nohome", User{"nohome", 502, 20, "", "dslocal"}, 500, "has no home directory"},
				{"alias", User{"shortname", 503, 20, "/Users/alias", "dslocal"}, 500, ""},
				// not in dslocal: macOS's passwd holds system accounts only
				{"_www", User{"_www", 70, 70, "/Library/WebServer", "passwd"}, 1000, "uid 70 is a system account"},
				{"nobody", User{"nobody", -2, -2, "/var/empty", "passwd"}, 1000, "system account"},
			}
			for _, tt := range tests {
				u, min, err := Offline(root, tt.user)
				if err != nil {
					t.Errorf("Offline(%q): %v", tt.user, err)
					continue
				}
				if u != tt.want || min != tt.minUID {
					t.Errorf("Offline(%q) = %+v, %d; want %+v, %d", tt.user, u, min, tt.want, tt.minUID)
				}
				err = Validate(u, min)
				if tt.valid == "" && err != nil || tt.valid != "" && (err == nil || !strings.Contains(err.Error(), tt.valid)) {
					t.Errorf("Validate(%q) = %v, want %q", tt.user, err, tt.valid)
				}
			}
		})
	}
}

func TestOfflinePasswd(t *testing.T) {
	root := fakeRoot{files: map[string][]byte{"/etc/passwd": []byte(linuxPasswd)}}
	tests := []struct {
		user  string
		want  User
		valid string
	}{
		{"bob", User{"bob", 1000, 1000, "/home/bob", "passwd"}, ""}, // first of two; a CRLF line still parses
		{"bobby", User{"bobby", 1002, 1002, "/home/bobby", "passwd"}, ""},
		{"carol", User{"carol", 1004, 1004, "/home/carol", "passwd"}, ""},
		{"root", User{"root", 0, 0, "/root", "passwd"}, "uid 0 is root"},
		{"sys", User{"sys", 999, 999, "/var/lib/sys", "passwd"}, "uid 999 is a system account (below 1000)"},
		{"nohome", User{"nohome", 1003, 1003, "", "passwd"}, "has no home directory"},
	}
	for _, tt := range tests {
		u, min, err := Offline(root, tt.user)
		if err != nil {
			t.Errorf("Offline(%q): %v", tt.user, err)
			continue
		}
		if u != tt.want || min != MinUIDPasswd {
			t.Errorf("Offline(%q) = %+v, %d; want %+v, %d", tt.user, u, min, tt.want, MinUIDPasswd)
		}
		err = Validate(u, min)
		if tt.valid == "" && err != nil || tt.valid != "" && (err == nil || !strings.Contains(err.Error(), tt.valid)) {
			t.Errorf("Validate(%q) = %v, want %q", tt.user, err, tt.valid)
		}
	}
}

func TestOfflineErrors(t *testing.T) {
	bin := func(v any) []byte { return encode(t, v, plist.BinaryFormat) }
	xml := func(v any) []byte { return encode(t, v, plist.XMLFormat) }
	with := func(key string, val any) map[string]any {
		r := record("alice", "501", "20", "/Users/alice")
		if val == nil {
			delete(r, key)
		} else {
			r[key] = val
		}
		return r
	}
	readErr := errors.New("input/output error")
	tests := []struct {
		desc     string
		files    map[string][]byte
		errs     map[string]error
		user     string
		err      string // substring
		notFound bool
		invalid  bool
		cause    error
	}{
		{desc: "unknown user, passwd only",
			files: map[string][]byte{"/etc/passwd": []byte(linuxPasswd)}, user: "mallory",
			err: `user "mallory": not in /var/db/dslocal/nodes/Default/users/ or /etc/passwd; check --user and --root`, notFound: true},
		{desc: "unknown user, mac image",
			files: map[string][]byte{"/etc/passwd": []byte(macPasswd), dslocalPath("alice"): bin(record("alice", "501", "20", "/Users/alice"))},
			user:  "bob", err: `user "bob": not in`, notFound: true},
		{desc: "name matches only as a prefix",
			files: map[string][]byte{"/etc/passwd": []byte(linuxPasswd)}, user: "bo", notFound: true, err: "not in"},
		{desc: "empty image",
			user: "alice", notFound: true,
			err: `user "alice": no /var/db/dslocal/nodes/Default/users/alice.plist and no /etc/passwd in the image`},
		{desc: "weird name is refused before any read",
			errs: map[string]error{dslocalPath("a/../../x"): errors.New("must not be read")},
			user: "a/../../x", err: `user "a/../../x": name contains '/'`, invalid: true},
		{desc: "name with newline",
			files: map[string][]byte{"/etc/passwd": []byte(linuxPasswd)}, user: "bob\nroot", err: "line break", invalid: true},
		{desc: "empty name", user: "", err: "empty name", invalid: true},
		{desc: "dslocal read error is not a fallback",
			files: map[string][]byte{"/etc/passwd": []byte(linuxPasswd)},
			errs:  map[string]error{dslocalPath("bob"): &fs.PathError{Op: "open", Path: dslocalPath("bob"), Err: readErr}},
			user:  "bob", err: `user "bob": read /var/db/dslocal/nodes/Default/users/bob.plist:`, cause: readErr},
		{desc: "dslocal permission denied is not a fallback",
			files: map[string][]byte{"/etc/passwd": []byte(linuxPasswd)},
			errs:  map[string]error{dslocalPath("bob"): fs.ErrPermission},
			user:  "bob", err: "read /var/db/dslocal", cause: fs.ErrPermission},
		{desc: "passwd read error",
			errs: map[string]error{"/etc/passwd": readErr}, user: "bob", err: `user "bob": read /etc/passwd: input/output error`, cause: readErr},
		{desc: "dslocal not a plist",
			files: map[string][]byte{dslocalPath("alice"): []byte("\x00\x01garbage\xff")}, user: "alice",
			err: `user "alice": /var/db/dslocal/nodes/Default/users/alice.plist: not a valid user record`},
		{desc: "dslocal text plist",
			files: map[string][]byte{dslocalPath("alice"): []byte(`{name = (alice); uid = (501); gid = (20); home = ("/Users/alice");}`)}, user: "alice",
			err: "alice.plist: not a binary or XML plist"},
		{desc: "dslocal empty file",
			files: map[string][]byte{dslocalPath("alice"): {}}, user: "alice", err: "alice.plist:"},
		{desc: "dslocal truncated binary",
			files: map[string][]byte{dslocalPath("alice"): bin(record("alice", "501", "20", "/Users/alice"))[:60]}, user: "alice",
			err: "alice.plist: not a valid user record"},
		{desc: "dslocal truncated xml",
			files: map[string][]byte{dslocalPath("alice"): xml(record("alice", "501", "20", "/Users/alice"))[:300]}, user: "alice",
			err: "alice.plist: not a valid user record"},
		{desc: "dslocal root is an array",
			files: map[string][]byte{dslocalPath("alice"): bin([]string{"alice"})}, user: "alice", err: "alice.plist: not a valid user record"},
		{desc: "uid not an array",
			files: map[string][]byte{dslocalPath("alice"): bin(with("uid", "501"))}, user: "alice", err: "alice.plist: not a valid user record"},
		{desc: "home not an array",
			files: map[string][]byte{dslocalPath("alice"): xml(with("home", "/Users/alice"))}, user: "alice", err: "alice.plist: not a valid user record"},
		{desc: "uid an array of integers",
			files: map[string][]byte{dslocalPath("alice"): bin(with("uid", []int{501}))}, user: "alice", err: "alice.plist: not a valid user record"},
		{desc: "uid not a number",
			files: map[string][]byte{dslocalPath("alice"): bin(with("uid", []string{"five-oh-one"}))}, user: "alice",
			err: `user "alice": /var/db/dslocal/nodes/Default/users/alice.plist: uid "five-oh-one" is not a number; repair or remove the record`},
		{desc: "gid not a number",
			files: map[string][]byte{dslocalPath("alice"): xml(with("gid", []string{""}))}, user: "alice", err: `alice.plist: gid "" is not a number`},
		{desc: "no uid",
			files: map[string][]byte{dslocalPath("alice"): bin(with("uid", nil))}, user: "alice", err: "alice.plist: no uid"},
		{desc: "empty uid array",
			files: map[string][]byte{dslocalPath("alice"): bin(with("uid", []string{}))}, user: "alice", err: "alice.plist: no uid"},
		{desc: "no gid",
			files: map[string][]byte{dslocalPath("alice"): bin(with("gid", nil))}, user: "alice", err: "alice.plist: no gid"},
		{desc: "record for someone else",
			files: map[string][]byte{dslocalPath("alice"): bin(with("name", []string{"mallory"}))}, user: "alice",
			err: `alice.plist: record is not for this user (name "mallory")`},
		{desc: "record without name",
			files: map[string][]byte{dslocalPath("alice"): bin(with("name", nil))}, user: "alice", err: "record is not for this user"},
		{desc: "record whose short name is unusable",
			files: map[string][]byte{dslocalPath("alice"): bin(with("name", []string{"../root", "alice"}))}, user: "alice",
			err: "record's short name is unusable"},
		{desc: "passwd line for the user with a bad uid",
			files: map[string][]byte{"/etc/passwd": []byte("root:x:0:0::/root:/bin/sh\ndave:x:10o1:1001::/home/dave:/bin/sh\n")}, user: "dave",
			err: `user "dave": /etc/passwd line 2: uid "10o1" or gid "1001" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, _, err := Offline(fakeRoot{files: tt.files, errs: tt.errs}, tt.user)
			if err == nil {
				t.Fatalf("Offline(%q) succeeded, want error containing %q", tt.user, tt.err)
			}
			if !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Offline(%q) = %q, want it to contain %q", tt.user, err, tt.err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if got := errors.Is(err, ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(%v, ErrNotFound) = %v, want %v", err, got, tt.notFound)
			}
			if got := errors.Is(err, ErrInvalid); got != tt.invalid {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v, want %v", err, got, tt.invalid)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("error %v does not wrap %v", err, tt.cause)
			}
		})
	}
}

// The dslocal record is input from an image: whatever its bytes, Offline
// answers with a user or an error, and never crashes the installer.
func FuzzOfflineDSLocal(f *testing.F) {
	for _, format := range []int{plist.BinaryFormat, plist.XMLFormat} {
		b, err := plist.Marshal(record("alice", "501", "20", "/Users/alice"), format)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("bplist00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := fakeRoot{files: map[string][]byte{dslocalPath("alice"): data}}
		u, _, err := Offline(root, "alice")
		if err == nil && (u.Source != "dslocal" || CheckName(u.Name) != nil) {
			t.Fatalf("bad user %+v", u)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("error spans lines: %q", err)
		}
		_ = fmt.Sprint(u)
	})
}
