// This code runs as root inside vmnetd: it writes the pid file newsyslog
// reads to know whom to send SIGHUP after rotating vmnetd's log.

package helper

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/google/renameio/v2"
)

// WritePIDFile writes this process's pid and a newline to path (root:wheel
// 0644, replaced atomically) in a directory only root can change. The
// returned func removes it if it still holds this pid.
func WritePIDFile(path string) (remove func(), err error) {
	if err := checkTrustedDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	data := strconv.AppendInt(nil, int64(os.Getpid()), 10)
	data = append(data, '\n')
	if err := renameio.WriteFile(path, data, 0o644); err != nil {
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	return func() {
		if b, err := os.ReadFile(path); err == nil && bytes.Equal(b, data) {
			os.Remove(path)
		}
	}, nil
}
