// File operations: observe a regular file, replace it atomically, put it
// back on undo or uninstall.

package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/macfleet/installer/install/rootfs"
	"howett.net/plist"
)

// fileState is a regular file as observed, to write it back on undo.
type fileState struct {
	exists   bool
	data     []byte
	perm     fs.FileMode
	uid, gid int
}

func observeFile(fsys rootfs.FS, p string) (fileState, error) {
	fi, err := fsys.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, err
	}
	if !fi.Mode().IsRegular() {
		return fileState{}, Errorf(KindUnsafe, "%s is not a regular file (%s); move it aside and rerun", p, fi.Mode().Type())
	}
	data, err := fsys.ReadFile(p)
	if err != nil {
		return fileState{}, err
	}
	st := fileState{exists: true, data: data, perm: fi.Mode().Perm(), uid: -1, gid: -1}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.uid, st.gid = int(sys.Uid), int(sys.Gid)
	}
	return st, nil
}

// restore puts the observed state back.
func (st fileState) restore(fsys rootfs.FS, p string, chown bool) error {
	if !st.exists {
		err := fsys.Remove(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	var o *rootfs.Owner
	if chown && st.uid >= 0 {
		o = &rootfs.Owner{UID: st.uid, GID: st.gid}
	}
	return fsys.WriteFile(p, st.data, st.perm, o)
}

// writeFile plans an atomic replacement of p (already resolved, a regular
// file or missing) whose current state is old.
func (p *planner) writeFile(step, action, fp string, data []byte, perm fs.FileMode, o owner, old fileState, detail string) {
	if old.exists && bytes.Equal(old.data, data) && old.perm == perm &&
		(!p.env.applyOwnership() || (old.uid == o.uid && old.gid == o.gid)) {
		return
	}
	fsys := p.fsFor(fp)
	fo := p.fsOwner(o)
	chown := p.env.applyOwnership()
	p.add(Op{Step: step, Action: action, Path: fp, Owner: o.name, Mode: fmt.Sprintf("%04o", perm), Detail: detail,
		Do:   func() error { return fsys.WriteFile(fp, data, perm, fo) },
		Undo: func() error { return old.restore(fsys, fp, chown) },
	})
}

// putFile plans writing a file the installer owns (a plist, a settings
// file) and records it; a file that was there before our first run is
// remembered so uninstall can put it back.
func (p *planner) putFile(step, fp, label, home string, data []byte, perm fs.FileMode, o owner, detail string) error {
	fsys := p.fsFor(fp)
	st, err := observeFile(fsys, fp)
	if err != nil {
		return err
	}
	it := Item{Kind: "file", Path: fp, Step: step, Label: label, Home: home, SHA256: sha(data)}
	if old, ok := p.oldItem("file", fp); ok {
		it.Existed, it.PreviousData, it.PreviousMode, it.PreviousUID, it.PreviousGID =
			old.Existed, old.PreviousData, old.PreviousMode, old.PreviousUID, old.PreviousGID
	} else if st.exists && !bytes.Equal(st.data, data) && !p.replaceOnly[fp] {
		it.Existed, it.PreviousData, it.PreviousMode, it.PreviousUID, it.PreviousGID =
			true, st.data, int(st.perm), st.uid, st.gid
	}
	p.receipt = append(p.receipt, it)
	n := len(p.ops)
	p.writeFile(step, "write", fp, data, perm, o, st, detail)
	if label == "" {
		return nil
	}
	wrote, loaded := len(p.ops) > n, p.jobLoaded(label)
	if wrote && loaded && p.launchctl() != nil {
		// launchd refuses to bootstrap a loaded label (exit 5): the job
		// running the old bytes goes first.
		p.ops = append(p.ops[:n], append([]Op{p.bootoutOp(step, label, fp)}, p.ops[n:]...)...)
	}
	if wrote || !loaded {
		p.bootstrap(step, label, fp, wrote && loaded)
	}
	return nil
}

// fileModeOr is the observed file's mode, or def for a new file.
func fileModeOr(st fileState, def fs.FileMode) fs.FileMode {
	if st.exists {
		return st.perm
	}
	return def
}

// encodePlist encodes v as an XML plist.
func encodePlist(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := plist.NewEncoderForFormat(&buf, plist.XMLFormat)
	enc.Indent("\t")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
