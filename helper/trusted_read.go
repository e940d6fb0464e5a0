// This code runs as root inside vmnetd: it reads files root believes.

package helper

import (
	"fmt"
	"io"
	"os"
)

// ReadTrustedFile reads a small file that root believes (the product
// descriptor of --product-file): like the profile, it must be a regular
// file, not a link, root-owned and not writable by others, in a directory
// only root can change; it holds at most max bytes.
func ReadTrustedFile(path string, max int64) ([]byte, error) {
	if err := checkTrustedFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return data, nil
}
