package diagnose

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/macfleet/installer/install/rootfs"
)

// openInRoot opens the logical path p of the root read-only. Links are
// resolved inside the root (as the booted image would see them) and the
// open goes through an os.Root, so no link reaches a file outside it. Only
// regular files are opened: a FIFO planted at a path would block.
func openInRoot(fsys rootfs.FS, p string) (*os.File, os.FileInfo, error) {
	phys, err := fsys.Resolve(p)
	if err != nil {
		return nil, nil, err
	}
	fi, err := fsys.Lstat(phys)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is a %s, not a regular file", p, fi.Mode().Type())
	}
	root, err := os.OpenRoot(fsys.Dir())
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	f, err := root.Open(strings.TrimPrefix(phys, "/"))
	if err != nil {
		return nil, nil, err
	}
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s changed while being opened", p)
	}
	return f, fi, nil
}

// readHead reads up to limit bytes of p; truncated says there was more.
func readHead(fsys rootfs.FS, p string, limit int) (data []byte, truncated bool, err error) {
	f, _, err := openInRoot(fsys, p)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if len(data) > limit {
		return data[:limit], true, err
	}
	return data, false, err
}

// readTail reads the last n lines of p, looking at no more than its last
// limit bytes; truncated says the file held more than what is returned.
func readTail(fsys rootfs.FS, p string, n, limit int) (data []byte, truncated bool, err error) {
	f, fi, err := openInRoot(fsys, p)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	from := max(0, fi.Size()-int64(limit))
	data, err = io.ReadAll(io.NewSectionReader(f, from, int64(limit)))
	if err != nil {
		return nil, false, err
	}
	if from > 0 {
		// The first line is cut: drop it.
		truncated = true
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		} else {
			data = nil
		}
	}
	return lastLines(data, n, truncated)
}

// lastLines keeps the last n lines of data (a final line without a line
// break counts).
func lastLines(data []byte, n int, truncated bool) ([]byte, bool, error) {
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	cut := end
	for i := 0; i < n; i++ {
		j := bytes.LastIndexByte(data[:cut], '\n')
		if j < 0 {
			return data, truncated, nil
		}
		cut = j
	}
	return data[cut+1:], true, nil
}
