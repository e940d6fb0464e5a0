package users

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os/user"
	"strconv"
	"strings"
)

// DirReader lists a directory inside the target root.
type DirReader interface {
	Reader
	ReadDir(name string) ([]fs.DirEntry, error)
}

// OfflineNameOf finds the name of the account with uid in an image: the
// dslocal records first, then /etc/passwd (used for the console user, who
// is known only by the owner of /dev/console).
func OfflineNameOf(r DirReader, uid int) (string, error) {
	ents, err := r.ReadDir(dslocalDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".plist")
		if !ok || CheckName(name) != nil {
			continue
		}
		if u, _, err := Offline(r, name); err == nil && u.UID == uid {
			return u.Name, nil
		}
	}
	data, err := r.ReadFile(passwdFile)
	if err == nil {
		for _, line := range bytes.Split(data, []byte("\n")) {
			f := strings.Split(string(line), ":")
			if len(f) == 7 && f[2] == strconv.Itoa(uid) && !strings.HasPrefix(f[0], "#") {
				return f[0], nil
			}
		}
	}
	return "", fmt.Errorf("uid %d: %w", uid, ErrNotFound)
}

// LiveNameOf finds the name of the account with uid on the running system.
func LiveNameOf(uid int) (string, error) {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return "", fmt.Errorf("uid %d: %w", uid, ErrNotFound)
	}
	return u.Username, nil
}
