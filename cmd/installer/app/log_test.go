package app

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestLoggerColourAndTee(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tty       bool
		noColor   string
		colour    bool
		verbose   bool
		wantField bool
	}{
		{"terminal", true, "", true, false, false},
		{"terminal with NO_COLOR", true, "1", false, false, false},
		{"pipe", false, "", false, false, false},
		{"verbose shows fields", false, "", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr, file bytes.Buffer
			deps := Deps{
				Stderr:     &stderr,
				Getenv:     func(k string) string { return map[string]string{"NO_COLOR": tc.noColor}[k] },
				IsTerminal: func(io.Writer) bool { return tc.tty },
			}
			log := newLogger(deps, false, tc.verbose, &file)
			log.Info("link /usr/local/bin/docker", zap.String("path", "/usr/local/bin/docker"))
			log.Debug("debug detail")
			_ = log.Sync()
			if got := strings.Contains(stderr.String(), "\x1b["); got != tc.colour {
				t.Errorf("colour = %v, want %v: %q", got, tc.colour, stderr.String())
			}
			if got := strings.Contains(stderr.String(), `"path"`); got != tc.wantField {
				t.Errorf("fields on console = %v, want %v: %q", got, tc.wantField, stderr.String())
			}
			if strings.Contains(stderr.String(), "debug detail") != tc.verbose {
				t.Errorf("debug line on console: %q", stderr.String())
			}
			// The file gets JSON lines with every field, debug included.
			lines := strings.Split(strings.TrimSpace(file.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("log file lines: %q", file.String())
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
				t.Fatalf("log line is not JSON: %v: %s", err, lines[0])
			}
			if rec["msg"] != "link /usr/local/bin/docker" || rec["path"] != "/usr/local/bin/docker" || rec["level"] != "info" || rec["time"] == nil {
				t.Fatalf("log record %v", rec)
			}
		})
	}
}
