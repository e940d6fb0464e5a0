package install

// SECURITY: this code runs as root and rewrites the target's hosts file;
// every access goes through rootfs, inside the target root.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/macfleet/installer/hostsfile"
	"github.com/macfleet/installer/install/rootfs"
)

// stamp is what stat says of a file's version: a rewrite in place or a
// replacement changes one of these.
type stamp struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // ns
}

// racyWindow: a file whose ctime is this recent when read may be changed
// again within the same timestamp tick (Linux stamps files from a clock
// with a resolution of a few ms) without any field of its stamp changing,
// so its stamp is not trusted and apply compares the bytes instead.
const racyWindow = 100 * time.Millisecond

func stampOf(fi fs.FileInfo) (stamp, bool) {
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}, false
	}
	m, c := statTimes(sys)
	return stamp{dev: uint64(sys.Dev), ino: uint64(sys.Ino), size: fi.Size(), mtime: m, ctime: c}, true
}

// observeStamped is observeFile with the stamp of what was read. The
// stamp is valid (ok) only if the file's stat was the same before and after
// the read and its last change is older than racyWindow: then a later
// stat equal to it means the same bytes.
func observeStamped(fsys rootfs.FS, p string) (st fileState, s stamp, ok bool, err error) {
	before, berr := fsys.Lstat(p)
	st, err = observeFile(fsys, p)
	if err != nil || !st.exists || berr != nil {
		return st, stamp{}, false, err
	}
	after, err := fsys.Lstat(p)
	if err != nil {
		return st, stamp{}, false, nil
	}
	s1, ok1 := stampOf(before)
	s2, ok2 := stampOf(after)
	if !ok1 || !ok2 || s1 != s2 || s2.size != int64(len(st.data)) {
		return st, stamp{}, false, nil
	}
	if age := time.Since(time.Unix(0, s2.ctime)); age < racyWindow {
		return st, stamp{}, false, nil
	}
	return st, s2, true, nil
}

// hostsEdit is the apply of the hosts step. Do checks that the file is
// still the one read at plan time by its stat alone, and re-reads and
// re-plans only if not, so a concurrent change by another tool is not
// lost; it writes the old bytes and the block as pieces, never as a
// joined copy; and before replacing the file it keeps the old inode under a
// hard link beside it, so Undo is a rename and the old content is not held
// in memory. Commit removes the link.
type hostsEdit struct {
	fsys    rootfs.FS
	target  string
	st      fileState
	stamp   stamp
	stamped bool
	edit    hostsfile.Edit
	replan  func([]byte) hostsfile.Edit
	perm    fs.FileMode
	owner   *rootfs.Owner
	chown   bool

	wrote     bool      // Do replaced or created the file
	existed   bool      // there was a file when Do ran
	keep      string    // the hard link to the old file, if made
	before    fileState // the old file, kept in memory only if no link could be made
	committed bool
}

// undoPrefix names the hard links: ".hosts.undo-" and 12 hex digits.
func undoPrefix(target string) string { return "." + path.Base(target) + ".undo-" }

func (h *hostsEdit) do() error {
	cur, fresh := h.st, false
	fi, err := h.fsys.Lstat(h.target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cur, fresh = fileState{}, h.st.exists
	case err != nil:
		return err
	default:
		s, ok := stampOf(fi)
		fresh = !h.st.exists || !h.stamped || !ok || s != h.stamp
		if fresh && h.st.exists && fi.Mode().IsRegular() && fi.Size() == int64(len(h.st.data)) {
			// Most often a stamp too fresh to trust (the file was
			// written just before this run read it) over the very bytes
			// planned on: compare them in chunks, without a second
			// file-sized buffer.
			same, err := sameBytes(h.fsys, h.target, h.st.data)
			if err != nil {
				return err
			}
			fresh = !same
		}
	}
	e := h.edit
	if fresh {
		// Changed since planning, or its stamp could not be trusted:
		// read it again and redo the edit on what is there now.
		if cur, err = observeFile(h.fsys, h.target); err != nil {
			return err
		}
		if cur.exists && h.st.exists && string(cur.data) == string(h.st.data) {
			cur = h.st // the same bytes: the plan holds
		} else {
			e = h.replan(cur.data)
			if !e.Changed && cur.exists {
				return nil
			}
		}
	}
	h.existed = cur.exists
	if cur.exists {
		keep := path.Join(path.Dir(h.target), undoPrefix(h.target)+randHex())
		switch err := h.fsys.Link(h.target, keep); {
		case err == nil:
			h.keep = keep
		case noHardLinks(err):
			// A file system without hard links: keep the bytes.
			h.before = cur
		default:
			return err
		}
	}
	if err := h.fsys.WriteFileParts(h.target, e.Parts(), h.perm, h.owner); err != nil {
		if h.keep != "" {
			_ = h.fsys.Remove(h.keep) // the file was not replaced
		}
		return err
	}
	h.wrote = true
	h.edit, h.st = hostsfile.Edit{}, fileState{} // not needed any more
	return nil
}

// sameBytes reports whether the file p holds exactly data, reading it in
// chunks of 256 KiB.
func sameBytes(fsys rootfs.FS, p string, data []byte) (bool, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	for off := 0; ; {
		n, err := io.ReadFull(f, buf)
		if n > len(data)-off || !bytes.Equal(buf[:n], data[off:off+n]) {
			return false, nil
		}
		off += n
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return off == len(data), nil
		case err != nil:
			return false, err
		}
	}
}

// noHardLinks reports whether err says the file system cannot link.
func noHardLinks(err error) bool {
	for _, e := range []error{errors.ErrUnsupported, syscall.ENOTSUP, syscall.EOPNOTSUPP, syscall.EPERM, syscall.EMLINK, syscall.EXDEV} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (h *hostsEdit) undo() error {
	switch {
	case h.committed:
		return errors.New("the old hosts file is no longer kept")
	case !h.wrote:
		return nil
	case !h.existed:
		err := h.fsys.Remove(h.target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	case h.keep != "":
		if err := h.fsys.Rename(h.keep, h.target); err != nil {
			return err
		}
		h.keep = ""
		return nil
	default:
		return h.before.restore(h.fsys, h.target, h.chown)
	}
}

// commit removes the hard link; if that fails, the link is still there
// for undo.
func (h *hostsEdit) commit() error {
	if h.keep != "" {
		if err := h.fsys.Remove(h.keep); err != nil {
			return fmt.Errorf("remove the old hosts file kept for undo %s: %w", h.keep, err)
		}
		h.keep = ""
	}
	h.committed, h.before = true, fileState{}
	return nil
}

// removeStaleUndo plans the removal of hard links an earlier run killed
// before its end left beside the hosts file; the lock makes sure no run
// that could still need one is in flight.
func (p *planner) removeStaleUndo(step, target string) {
	fsys := p.env.FS
	dir := path.Dir(target)
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := undoPrefix(target)
	for _, de := range ents {
		rest, ok := strings.CutPrefix(de.Name(), prefix)
		if !ok || len(rest) != 12 || strings.Trim(rest, "0123456789abcdef") != "" || !de.Type().IsRegular() {
			continue
		}
		stale := path.Join(dir, de.Name())
		p.add(Op{Step: step, Action: "remove", Path: stale, Detail: "old hosts file kept by an interrupted run",
			Do: func() error { return fsys.Remove(stale) }})
	}
}
