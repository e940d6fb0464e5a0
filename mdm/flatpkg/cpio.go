package flatpkg

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
)

// cpio writes the odc ("portable ASCII", magic 070707) cpio archive of
// the entries, gzip'd: the format of a flat package's Payload and Scripts.
// Entries are written in the order given, named "./path" ("." for the
// root), with inode numbers counted from 1 so the same input gives the
// same bytes.
func cpioGzip(entries []Entry, mtime int64) ([]byte, error) {
	var raw bytes.Buffer
	for i, e := range entries {
		mode, err := cpioMode(e)
		if err != nil {
			return nil, err
		}
		name := cpioName(e.Path)
		nlink := 1
		if e.Dir() {
			nlink = 2
		}
		if err := cpioHeader(&raw, i+1, mode, e.UID, e.GID, nlink, mtime, len(name)+1, len(e.Data)); err != nil {
			return nil, fmt.Errorf("cpio entry %s: %w", name, err)
		}
		raw.WriteString(name)
		raw.WriteByte(0)
		raw.Write(e.Data)
	}
	if err := cpioHeader(&raw, 0, 0, 0, 0, 1, 0, len("TRAILER!!!")+1, 0); err != nil {
		return nil, err
	}
	raw.WriteString("TRAILER!!!\x00")
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	// No name and a zero time in the gzip header: the bytes depend on the
	// content only.
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func cpioName(p string) string {
	if p == "" || p == "." {
		return "."
	}
	return "./" + p
}

// cpioMode is the st_mode word: type bits and permissions.
func cpioMode(e Entry) (int, error) {
	perm := int(e.Mode.Perm())
	if e.Mode&fs.ModeSetuid != 0 || e.Mode&fs.ModeSetgid != 0 || e.Mode&fs.ModeSticky != 0 {
		return 0, fmt.Errorf("entry %s: special mode bits are not supported", e.Path)
	}
	switch {
	case e.Dir():
		if len(e.Data) != 0 {
			return 0, fmt.Errorf("entry %s: a directory has no content", e.Path)
		}
		return 0o040000 | perm, nil
	case e.Mode.IsRegular():
		return 0o100000 | perm, nil
	}
	return 0, fmt.Errorf("entry %s: only files and directories are supported, not %v", e.Path, e.Mode.Type())
}

// cpioHeader writes one odc header: every field octal, fixed width.
func cpioHeader(b *bytes.Buffer, ino, mode, uid, gid, nlink int, mtime int64, namesize, filesize int) error {
	fields := []struct {
		v     int64
		width int
	}{
		{0, 6},               // dev
		{int64(ino), 6},      // ino
		{int64(mode), 6},     // mode
		{int64(uid), 6},      // uid
		{int64(gid), 6},      // gid
		{int64(nlink), 6},    // nlink
		{0, 6},               // rdev
		{mtime, 11},          // mtime
		{int64(namesize), 6}, // namesize
		{int64(filesize), 11},
	}
	b.WriteString("070707")
	for _, f := range fields {
		s := fmt.Sprintf("%0*o", f.width, f.v)
		if f.v < 0 || len(s) > f.width {
			return fmt.Errorf("value %d does not fit the odc header", f.v)
		}
		b.WriteString(s)
	}
	return nil
}
