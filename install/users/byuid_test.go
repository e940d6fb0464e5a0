package users

import (
	"io/fs"
	"testing"
	"time"

	"howett.net/plist"
)

type dirFake struct {
	fakeRoot
	dirs map[string][]string
}

type dirEnt string

func (d dirEnt) Name() string               { return string(d) }
func (d dirEnt) IsDir() bool                { return false }
func (d dirEnt) Type() fs.FileMode          { return 0 }
func (d dirEnt) Info() (fs.FileInfo, error) { return nil, fs.ErrNotExist }

func (f dirFake) ReadDir(name string) ([]fs.DirEntry, error) {
	names, ok := f.dirs[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	var out []fs.DirEntry
	for _, n := range names {
		out = append(out, dirEnt(n))
	}
	return out, nil
}

func TestOfflineNameOf(t *testing.T) {
	rec := func(name, uid string) []byte {
		b, _ := plist.Marshal(map[string]any{"name": []string{name}, "uid": []string{uid}, "gid": []string{"20"},
			"home": []string{"/Users/" + name}, "created": []time.Time{time.Unix(0, 0)}}, plist.BinaryFormat)
		return b
	}
	r := dirFake{
		fakeRoot: fakeRoot{files: map[string][]byte{
			dslocalDir + "/alice.plist": rec("alice", "501"),
			dslocalDir + "/bob.plist":   rec("bob", "502"),
			passwdFile:                  []byte("root:*:0:0::/var/root:/bin/sh\ncarol:*:1001:1001::/home/carol:/bin/sh\n"),
		}},
		dirs: map[string][]string{dslocalDir: {"alice.plist", "bob.plist", "README"}},
	}
	for uid, want := range map[int]string{501: "alice", 502: "bob", 1001: "carol", 0: "root"} {
		if got, err := OfflineNameOf(r, uid); err != nil || got != want {
			t.Errorf("uid %d: %q, %v; want %q", uid, got, err, want)
		}
	}
	if _, err := OfflineNameOf(r, 4242); err == nil {
		t.Error("unknown uid found")
	}
}
