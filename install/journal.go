package install

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
)

// withJournal puts a journal in front of a run's ops: the profile is first
// rewritten with a receipt that lists everything the old receipt had and
// everything this run may create. If the installer is killed halfway (a
// Mac shut down, an MDM agent timing out), the next run and uninstall
// still know every path that may be ours; items that were never created
// are skipped then. The last op writes the final profile.
func withJournal(env *Env, opts Options, old *Profile, oldBytes []byte, res *Result) ([]Op, error) {
	if len(res.Ops) == 0 || res.Profile == nil {
		return res.Ops, nil
	}
	j := *res.Profile
	j.Receipt = union(old, res.Profile.Receipt)
	j.Pending = true
	if old != nil && reflect.DeepEqual(j.Receipt, canonical(old.Receipt)) {
		// The receipt already names everything this run may create.
		return res.Ops, nil
	}
	data, err := encodeProfile(&j)
	if err != nil {
		return nil, err
	}
	if string(data) == string(oldBytes) {
		return res.Ops, nil
	}
	path := opts.Product.ProfilePath()
	st, err := observeFile(env.FS, path)
	if err != nil {
		return nil, err
	}
	// The dirs that will hold the profile are made first, then the
	// journal, then everything else.
	var first, rest []Op
	for _, op := range res.Ops {
		if op.Action == "mkdir" && under(path, op.Path) {
			first = append(first, op)
		} else {
			rest = append(rest, op)
		}
	}
	p := &planner{env: env, opts: opts}
	detail := fmt.Sprintf("receipt of %d items, before any change", len(j.Receipt))
	if n := len(first); n > 0 && first[n-1].Path == opts.Product.AppSupportDir {
		// The app support dir appears with the journal already in it, so
		// a kill can never leave an empty dir that no receipt names.
		p.ops = first[:n-1]
		p.mkdirWithFile("profile", first[n-1], path, data, detail)
	} else {
		p.ops = first
		p.writeFile("profile", "journal", path, data, 0o644, rootWheel, st, detail)
	}
	return append(p.ops, rest...), nil
}

// mkdirWithFile replaces a planned mkdir of dir with one that builds the
// dir under a temporary name, writes file into it and renames it into
// place: the dir never exists without the file.
func (p *planner) mkdirWithFile(step string, mkdir Op, file string, data []byte, detail string) {
	fsys := p.fsFor(mkdir.Path)
	dir := mkdir.Path
	o := p.fsOwner(rootWheel)
	parent, base := pathSplit(dir)
	p.add(Op{Step: step, Action: "mkdir", Path: dir, Owner: mkdir.Owner, Mode: mkdir.Mode, Detail: "with the journal " + detail,
		Do: func() error {
			tmp := parent + "/." + base + ".tmp-" + randHex()
			removeStaleDirs(fsys, parent, "."+base+".tmp-")
			if err := fsys.Mkdir(tmp, 0o755); err != nil {
				return err
			}
			undo := func() error { _ = fsys.Remove(tmp + file[len(dir):]); return fsys.Remove(tmp) }
			if err := undoOnError(chownIf(fsys, tmp, o), undo); err != nil {
				return err
			}
			if err := undoOnError(fsys.WriteFile(tmp+file[len(dir):], data, 0o644, o), undo); err != nil {
				return err
			}
			return undoOnError(fsys.Rename(tmp, dir), undo)
		},
		Undo: func() error {
			if err := fsys.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return fsys.Remove(dir)
		},
	})
}

// removeStaleDirs removes temp dirs that a killed run of mkdirWithFile
// left in parent, with the files in them (the profile or its temp file).
func removeStaleDirs(fsys interface {
	ReadDir(string) ([]fs.DirEntry, error)
	Remove(string) error
}, parent, prefix string) {
	ents, _ := fsys.ReadDir(parent)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) || !e.IsDir() {
			continue
		}
		stale := parent + "/" + e.Name()
		inside, _ := fsys.ReadDir(stale)
		for _, f := range inside {
			if f.Type().IsRegular() {
				_ = fsys.Remove(stale + "/" + f.Name())
			}
		}
		_ = fsys.Remove(stale)
	}
}

func pathSplit(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	return p[:i], p[i+1:]
}

func randHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// union is the old receipt plus the new one, each item once (the new
// wins).
func union(old *Profile, items []Item) []Item {
	seen := map[string]bool{}
	var out []Item
	for _, it := range items {
		seen[it.Kind+"\x00"+it.Path] = true
		out = append(out, it)
	}
	if old != nil {
		for _, it := range old.Receipt {
			if !seen[it.Kind+"\x00"+it.Path] {
				out = append(out, it)
			}
		}
	}
	return canonical(out)
}
