package users

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"howett.net/plist"
)

// Reader reads a file by logical absolute path inside the target root
// ("/etc/passwd"). A missing file is an error wrapping fs.ErrNotExist.
type Reader interface {
	ReadFile(name string) ([]byte, error)
}

const (
	dslocalDir = "/var/db/dslocal/nodes/Default/users"
	passwdFile = "/etc/passwd"
)

// Offline looks the user up in an image: its dslocal record first (macOS
// keeps people's accounts there), then /etc/passwd (a Linux root, or the
// system accounts of a macOS one). It also returns the minimum uid of a
// person's account for the database that answered: MinUIDDarwin for
// dslocal, MinUIDPasswd for passwd.
//
// A record that exists but cannot be read or parsed is an error naming the
// file, never a reason to look elsewhere: falling back could pick another
// database's idea of the user.
func Offline(r Reader, name string) (User, int, error) {
	if err := CheckName(name); err != nil {
		return User{}, 0, err
	}
	file := dslocalDir + "/" + name + ".plist"
	data, err := r.ReadFile(file)
	switch {
	case err == nil:
		u, err := parseDSLocal(file, name, data)
		return u, MinUIDDarwin, err
	case !errors.Is(err, fs.ErrNotExist):
		return User{}, 0, fmt.Errorf("user %q: read %s: %w", name, file, err)
	}

	data, err = r.ReadFile(passwdFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return User{}, 0, notFound(name, "no %s and no %s in the image; check --user and --root", file, passwdFile)
	case err != nil:
		return User{}, 0, fmt.Errorf("user %q: read %s: %w", name, passwdFile, err)
	}
	u, err := parsePasswd(name, data)
	return u, MinUIDPasswd, err
}

// dslocalRecord holds the keys we read. Every value of a dslocal record is
// an array; the rest of the record (password hashes as data, dates, nested
// plists) is not decoded at all.
type dslocalRecord struct {
	Name []string `plist:"name"`
	UID  []string `plist:"uid"`
	GID  []string `plist:"gid"`
	Home []string `plist:"home"`
}

func parseDSLocal(file, name string, data []byte) (User, error) {
	bad := func(format string, args ...any) (User, error) {
		return User{}, fmt.Errorf("user %q: %s: %s; repair or remove the record", name, file, fmt.Sprintf(format, args...))
	}
	if bplistTooLarge(data) {
		return bad("record holds more than %d values or nests deeper than %d", maxPlistNodes, maxPlistDepth)
	}
	var rec dslocalRecord
	format, err := unmarshal(data, &rec)
	if err != nil {
		return bad("not a valid user record: %v", err)
	}
	// The text formats would take almost any bytes for a plist of strings.
	if format != plist.BinaryFormat && format != plist.XMLFormat {
		return bad("not a binary or XML plist")
	}
	// On a case-insensitive volume Alice.plist opens alice.plist, and a
	// record lists its aliases after the short name: accept either, and
	// carry on with the record's own short name.
	if !slices.ContainsFunc(rec.Name, func(n string) bool { return strings.EqualFold(n, name) }) {
		return bad("record is not for this user (name %q)", strings.Join(rec.Name, ","))
	}
	if err := CheckName(rec.Name[0]); err != nil {
		return bad("record's short name is unusable: %v", err)
	}
	if len(rec.UID) == 0 {
		return bad("no uid")
	}
	uid, err := strconv.Atoi(rec.UID[0])
	if err != nil {
		return bad("uid %q is not a number", rec.UID[0])
	}
	if len(rec.GID) == 0 {
		return bad("no gid")
	}
	gid, err := strconv.Atoi(rec.GID[0])
	if err != nil {
		return bad("gid %q is not a number", rec.GID[0])
	}
	u := User{Name: rec.Name[0], UID: uid, GID: gid, Source: "dslocal"}
	if len(rec.Home) > 0 {
		u.Home = rec.Home[0] // an empty home is for Validate to refuse
	}
	return u, nil
}

// parsePasswd finds name in passwd(5) data, first match wins as with
// getpwnam. Comments, blank lines, NIS "+"/"-" entries and lines without
// seven fields are skipped; a line for this very user with a bad uid or gid
// is an error, since skipping it would report a user that is plainly there
// as unknown.
func parsePasswd(name string, data []byte) (User, error) {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		f := strings.Split(string(line), ":")
		if len(f) != 7 || f[0] != name {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			return User{}, fmt.Errorf("user %q: %s line %d: uid %q or gid %q is not a number; repair the entry",
				name, passwdFile, i+1, f[2], f[3])
		}
		return User{Name: name, UID: uid, GID: gid, Home: f[5], Source: "passwd"}, nil
	}
	return User{}, notFound(name, "not in %s/ or %s; check --user and --root", dslocalDir, passwdFile)
}

// unmarshal is plist.Unmarshal, except that a crash of the parser on a
// hostile record (it re-panics runtime errors) becomes an error: the image
// is input, and a root-run installer should refuse it, not die.
func unmarshal(data []byte, v any) (format int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plist parser failed: %v", r)
		}
	}()
	return plist.Unmarshal(data, v)
}
