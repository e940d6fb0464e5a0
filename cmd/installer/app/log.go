package app

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/macfleet/installer/install/diagnose"
)

// checkLogFile refuses a --log-file whose directory does not exist
// (docs/contract.md §11): root would otherwise create directories anywhere.
func checkLogFile(p string) error {
	if p == "" {
		return nil
	}
	dir := filepath.Dir(p)
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return usagef("--log-file %s: directory %s does not exist; create it first or pass another --log-file", p, dir)
	}
	if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
		return usagef("--log-file %s is not a regular file (%s); pass a file path", p, fi.Mode().Type())
	}
	return nil
}

// secretFlags are the flags whose values the log header never shows.
var secretFlags = []string{"admin-settings", "override-proxy-embedded-pac"}

// redactArgs masks secrets in the command line: the values of
// secretFlags and passwords in URLs.
func redactArgs(args []string) []string {
	r := diagnose.NewRedactor()
	r.LearnURLs(strings.Join(args, " "))
	out := make([]string, 0, len(args))
	hide := false
	for _, a := range args {
		switch {
		case hide:
			a, hide = diagnose.Mask, false
		default:
			for _, f := range secretFlags {
				if a == "--"+f || a == "-"+f {
					hide = true
				} else if strings.HasPrefix(a, "--"+f+"=") || strings.HasPrefix(a, "-"+f+"=") {
					a = a[:strings.Index(a, "=")+1] + diagnose.Mask
				}
			}
			a = r.RedactString(a)
		}
		out = append(out, a)
	}
	return out
}

// logHeader is the first line of every run in the log (docs/contract.md §11).
func logHeader(log *zap.Logger, c *cli.Context, euid int, root string) {
	args := os.Args
	if a, ok := c.App.Metadata["args"].([]string); ok {
		args = a
	}
	log.Debug("run", zap.String("version", Version), zap.String("command", c.Command.FullName()),
		zap.Strings("args", redactArgs(args[min(1, len(args)):])), zap.Int("euid", euid), zap.String("root", root))
}

// newLogger tees a console core for people on stderr (colour only on a
// terminal, and never with NO_COLOR) with a JSON-lines core for machines
// in logFile (nil: none).
func newLogger(deps Deps, quiet, verbose bool, logFile io.Writer) *zap.Logger {
	level := zapcore.InfoLevel
	switch {
	case verbose:
		level = zapcore.DebugLevel
	case quiet:
		level = zapcore.WarnLevel
	}
	cc := zapcore.EncoderConfig{
		MessageKey:       "msg",
		LevelKey:         "level",
		EncodeLevel:      zapcore.CapitalLevelEncoder,
		ConsoleSeparator: " ",
	}
	if deps.IsTerminal(deps.Stderr) && deps.Getenv("NO_COLOR") == "" {
		cc.EncodeLevel = zapcore.CapitalColorLevelEncoder
	}
	var console zapcore.Core = zapcore.NewCore(zapcore.NewConsoleEncoder(cc), zapcore.Lock(zapcore.AddSync(deps.Stderr)), level)
	if !verbose {
		// People read the message; the fields repeat it for machines.
		console = messageOnly{console}
	}
	cores := []zapcore.Core{console}
	if logFile != nil {
		jc := zap.NewProductionEncoderConfig()
		jc.TimeKey = "time"
		jc.EncodeTime = zapcore.ISO8601TimeEncoder
		cores = append(cores, zapcore.NewCore(zapcore.NewJSONEncoder(jc), zapcore.Lock(zapcore.AddSync(logFile)), zapcore.DebugLevel))
	}
	return zap.New(zapcore.NewTee(cores...))
}

// openLog opens the JSON-lines log for appending: --log-file as given, or
// the product's log inside the root. The default log is reached through
// os.Root so it cannot be redirected out of the root by a link.
func openLog(rootDir, logFile, defaultPath string) (io.WriteCloser, error) {
	if logFile != "" {
		// Its directory exists (checkLogFile): root makes none of them,
		// and never appends through a link swapped in since that check.
		return os.OpenFile(logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	}
	r, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rel := strings.TrimPrefix(defaultPath, "/")
	if err := r.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return nil, err
	}
	f, err := r.OpenFile(rel, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", defaultPath, err)
	}
	return f, nil
}

// messageOnly drops structured fields from a core's output.
type messageOnly struct{ zapcore.Core }

func (c messageOnly) With([]zapcore.Field) zapcore.Core { return c }

func (c messageOnly) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c messageOnly) Write(e zapcore.Entry, _ []zapcore.Field) error { return c.Core.Write(e, nil) }
