package app

import (
	"bytes"
	"os"
	"path"
	"strings"
)

// homeLog is the JSON log of a user-mode command, in the user's
// ~/Library/Logs/<product>-installer/installer.log, reached through an
// os.Root of the home so no link takes it elsewhere. A run that changes
// nothing must leave a home without ~/Library/Logs as it was, so lines
// are held in memory until the run has changed something (open(true)),
// unless ~/Library/Logs is already there (as on every Mac).
type homeLog struct {
	rootDir, home string
	dir           string // relative to the home
	f             *os.File
	buf           bytes.Buffer
}

func (l *homeLog) Write(b []byte) (int, error) {
	if l.f != nil {
		return l.f.Write(b)
	}
	return l.buf.Write(b)
}

// open starts writing to the file and flushes what was held; create makes
// ~/Library/Logs if missing. A log that cannot be opened is not an error:
// the console has every line.
func (l *homeLog) open(create bool) {
	if l.f != nil {
		return
	}
	r, err := os.OpenRoot(l.rootDir)
	if err != nil {
		return
	}
	defer r.Close()
	home := strings.TrimPrefix(path.Clean(l.home), "/")
	if home == "" {
		home = "."
	}
	h, err := r.OpenRoot(home)
	if err != nil {
		return
	}
	defer h.Close()
	if !create {
		if fi, err := h.Stat("Library/Logs"); err != nil || !fi.IsDir() {
			return
		}
	}
	if err := h.MkdirAll(l.dir, 0o755); err != nil {
		return
	}
	f, err := h.OpenFile(path.Join(l.dir, "installer.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	l.f = f
	_, _ = f.Write(l.buf.Bytes())
	l.buf.Reset()
}

func (l *homeLog) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
