package diagnose

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// DefaultName is the bundle's file name when --out is not given:
// <product>-diagnose-<host>-<UTC time>.tar.gz.
func DefaultName(productName, host string, t time.Time) string {
	return fmt.Sprintf("%s-diagnose-%s-%s.tar.gz", productName, safeName(host), t.UTC().Format("20060102T150405Z"))
}

// DirName is the directory the bundle's files sit in: the bundle's file
// name without .tar.gz (or .tgz).
func DirName(file string) string {
	base := file[strings.LastIndex(file, "/")+1:]
	for _, ext := range []string{".tar.gz", ".tgz", ".gz", ".tar"} {
		if s, ok := strings.CutSuffix(base, ext); ok && s != "" {
			return safeName(s)
		}
	}
	return safeName(base)
}

// safeName keeps letters, digits, '.', '-' and '_' of s.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	if s == "" || strings.Trim(s, ".") == "" {
		return "unknown"
	}
	return s
}

// Write writes the bundle as a gzip tar: dir/manifest.json first, then
// every file, as dir/<name>. Entries are plain files, mode 0600, dated
// when the bundle was collected.
func (b *Bundle) Write(w io.Writer, dir string) error {
	man, err := json.MarshalIndent(b.Manifest, "", "  ")
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	dirs := map[string]bool{}
	mtime := b.Manifest.CollectedAt.Truncate(time.Second)
	put := func(name string, data []byte) error {
		// Each directory once, before its first file, for tools that
		// want them listed.
		for i := range name {
			if name[i] == '/' && !dirs[name[:i]] {
				dirs[name[:i]] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/" + name[:i] + "/", Mode: 0o700, ModTime: mtime}); err != nil {
					return err
				}
			}
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: dir + "/" + name, Mode: 0o600, Size: int64(len(data)), ModTime: mtime}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := put("manifest.json", append(man, '\n')); err != nil {
		return err
	}
	for _, f := range b.Files {
		if err := put(f.Name, f.Data); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
