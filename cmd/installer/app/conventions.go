package app

// The command-line conventions of docs/contract.md §13, applied to the whole
// command tree in one place: what each command accepts (its own flags and
// the global ones it uses), words where none are taken, a flag given
// twice, contradicting flags, and one style for usage errors, with the
// nearest valid flag or command suggested.
//
// SECURITY: part of what root runs; the helper-binary check below keeps a
// file that is not a helper from becoming a root KeepAlive daemon.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
)

// globalUse lists, per command path, the global flags it uses; the others
// are not offered (nor accepted) after the command name. Commands not
// listed take them all.
var globalUse = map[string][]string{
	"plan":        {"root", "product", "product-file", "json", "quiet", "verbose"},
	"status":      {"root", "product", "product-file", "json", "quiet", "verbose"},
	"diagnose":    {"root", "product", "product-file", "json", "quiet", "verbose"},
	"ports check": {"root", "product", "product-file"},
	"policy get":  {"root", "product", "product-file"},
	"policy set":  {"root", "product", "product-file"},
	"mdm profile": {"product", "product-file", "json"},
	"mdm script":  {"product", "product-file", "json"},
	"mdm schema":  {"product", "product-file", "json"},
	"mdm pkg":     {"product", "product-file", "json"},
	"version":     {},
	"completion":  {},
	"help":        {},
	"jamf":        {},
}

// ownDrop lists flags a command inherits from a shared list but has no use
// for.
var ownDrop = map[string][]string{
	"plan": {"dry-run"},
}

// takesArgs are the commands that take words after their flags; every
// other command refuses any (docs/contract.md §13).
var takesArgs = map[string]bool{"ports check": true, "policy set": true, "jamf": true, "help": true, "completion": true}

// jsonNative are the commands whose --json output is their own result
// object; the others have what they print wrapped in one.
var jsonNative = map[string]bool{"install": true, "plan": true, "uninstall": true, "setup": true, "status": true, "version": true, "diagnose": true, "jamf": true}

// applyConventions walks the command tree of a and applies §13 to it.
func applyConventions(a *cli.App, deps Deps, out *switchWriter) {
	a.Suggest = true
	a.Commands = append(a.Commands, helpCommand(deps), completionCommand(deps))
	// urfave adds --help only when it adds its own help command.
	a.Flags = append(a.Flags, cli.HelpFlag)
	a.Flags = onceFlags(a.Flags)
	quietBools(a.Flags)
	for _, cmd := range a.Commands {
		conventionsFor(cmd, cmd.Name, deps, out)
	}
}

func conventionsFor(cmd *cli.Command, path string, deps Deps, out *switchWriter) {
	cmd.HideHelpCommand = true
	cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error { return usageErrorIn(path, cmd.Flags, err) }
	if len(cmd.Subcommands) > 0 {
		for _, sub := range cmd.Subcommands {
			conventionsFor(sub, path+" "+sub.Name, deps, out)
		}
		if cmd.Action == nil {
			cmd.Action = func(c *cli.Context) error {
				if c.NArg() > 0 {
					return unknownWord(c, path+": ", c.Args().First(), cmd.Subcommands, cmd.Flags)
				}
				_ = cli.ShowSubcommandHelp(c)
				return install.Errorf(install.KindUsage, "%s needs a command: %s", path, strings.Join(names(cmd.Subcommands), " or "))
			}
		}
		return
	}
	if use, ok := globalUse[path]; ok {
		cmd.Flags = keepGlobals(cmd.Flags, use)
	}
	cmd.Flags = dropFlags(cmd.Flags, ownDrop[path])
	cmd.Flags = onceFlags(cmd.Flags)
	quietBools(cmd.Flags)
	if !hasFlag(cmd.Flags, "json") && !cmd.SkipFlagParsing {
		// --json is accepted everywhere (docs/contract.md §13); where the command
		// has no result of its own, what it prints is wrapped.
		cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: "json", Hidden: true})
	}
	action := cmd.Action
	cmd.Action = func(c *cli.Context) error {
		if path == "jamf" && c.NArg() == 1 && (c.Args().First() == "--help" || c.Args().First() == "-h") {
			return cli.ShowCommandHelp(c.Lineage()[1], cmd.Name)
		}
		if err := checkConventions(c, path, cmd); err != nil {
			return err
		}
		if !boolean(c, "json") || jsonNative[path] {
			return action(c)
		}
		// Wrap what the command prints in one result object.
		var buf bytes.Buffer
		restore := out.redirect(&buf)
		err := action(c)
		restore()
		obj := resultObject(c, path, err)
		obj["output"] = buf.String()
		_ = writeJSON(out, obj) // a closed stdout must not change the outcome
		return err
	}
}

// checkConventions refuses words after a command that takes none, a flag
// given both before and after the command name, and --quiet with
// --verbose.
func checkConventions(c *cli.Context, path string, cmd *cli.Command) error {
	if !takesArgs[path] && c.NArg() > 0 {
		return unknownWord(c, path+" takes no arguments; ", c.Args().First(), nil, cmd.Flags)
	}
	for _, name := range c.LocalFlagNames() {
		for _, outer := range c.Lineage()[1:] {
			if isSetHere(outer, name) && len(name) > 1 {
				return install.Errorf(install.KindUsage, "--%s given twice (%q before %s, %q after it): pass it once", name, outer.String(name), cmd.Name, c.String(name))
			}
		}
	}
	if boolean(c, "quiet") && boolean(c, "verbose") {
		return install.Errorf(install.KindUsage, "--quiet and --verbose contradict each other: pass one")
	}
	return nil
}

// unknownWord refuses a word where a command (or none) was wanted,
// suggesting the flag it probably meant, else the nearest command.
func unknownWord(c *cli.Context, prefix, word string, cmds []*cli.Command, flags []cli.Flag) error {
	what := fmt.Sprintf("%sunknown command %q", prefix, word)
	if cmds == nil {
		what = fmt.Sprintf("%sgot %q", prefix, word)
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == strings.TrimLeft(word, "-") || n == strings.TrimLeft(strings.SplitN(word, "=", 2)[0], "-") {
				return install.Errorf(install.KindUsage, "%s; did you mean --%s?", what, word)
			}
		}
	}
	if s := nearest(word, commandNames(cmds)); s != "" {
		return install.Errorf(install.KindUsage, "%s; did you mean %q? (installer help lists the commands)", what, s)
	}
	if cmds != nil {
		return install.Errorf(install.KindUsage, "%s (installer help lists the commands)", what)
	}
	return install.Errorf(install.KindUsage, "%s (installer help %s lists its flags)", what, strings.TrimSuffix(strings.SplitN(prefix, " takes", 2)[0], " "))
}

func commandNames(cmds []*cli.Command) []string {
	var out []string
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c.Names()...)
		}
	}
	return out
}

func names(cmds []*cli.Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return out
}

// nearest is the candidate closest to word, if it is close enough to be
// what was meant (an edit distance of at most a third of its length, at
// least 1; or a prefix).
func nearest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(word, c)
		if strings.HasPrefix(c, word) && len(word) >= 3 {
			d = 0
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if limit := max(1, len(word)/3); bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

var (
	reUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	reBadBool   = regexp.MustCompile(`^invalid boolean value "(.*)" for -+(\S+): parse error$`)
	reTwice     = regexp.MustCompile(`^invalid value "(.*)" for flag -+(\S+): given twice, first "(.*)"$`)
	reBadValue  = regexp.MustCompile(`^invalid value "(.*)" for flag -+(\S+): (.*)$`)
	reNoValue   = regexp.MustCompile(`^flag needs an argument: -+(\S+)$`)
	reTwoForms  = regexp.MustCompile(`^Cannot use two forms of the same flag: (\S+) (\S+)$`)
)

// usageError makes urfave's flag errors exit 2 with one line in the
// program's words, suggesting the nearest flag.
func usageError(c *cli.Context, err error, _ bool) error { return usageErrorIn("", c.App.Flags, err) }

// usageErrorIn rewrites a flag error of the command at path (with flags).
func usageErrorIn(path string, flags []cli.Flag, err error) error {
	where, help := "installer", "installer help"
	if path != "" {
		where, help = path, "installer help "+path
	}
	msg := err.Error()
	switch m := (struct{ a []string }{}); {
	case match(reUndefined, msg, &m.a):
		name := m.a[1]
		s := ""
		if n := nearest(name, flagNames(flags)); n != "" {
			s = fmt.Sprintf("; did you mean --%s?", n)
		}
		return install.Errorf(install.KindUsage, "unknown flag --%s for %s%s (%s lists the flags)", name, where, s, help)
	case match(reBadBool, msg, &m.a):
		name, val := m.a[2], m.a[1]
		pair := ""
		if hasFlag(flags, "no-"+name) {
			pair = fmt.Sprintf(" or --no-%s", name)
		}
		// A switch takes what strconv.ParseBool takes (urfave parses it so).
		return install.Errorf(install.KindUsage, "--%s=%s: --%s is a switch; its value, if given, is true or false (also 1, 0, t, f); pass --%s%s", name, val, name, name, pair)
	case match(reTwice, msg, &m.a):
		return install.Errorf(install.KindUsage, "--%s given twice (%q, then %q): pass it once", m.a[2], m.a[3], m.a[1])
	case match(reBadValue, msg, &m.a):
		return install.Errorf(install.KindUsage, "--%s=%s: %s (%s)", m.a[2], m.a[1], strings.TrimPrefix(m.a[3], "parse error"), help)
	case match(reNoValue, msg, &m.a):
		return install.Errorf(install.KindUsage, "--%s needs a value: --%s=VALUE", m.a[1], m.a[1])
	case match(reTwoForms, msg, &m.a):
		return install.Errorf(install.KindUsage, "--%s and -%s are the same flag: pass it once", longer(m.a[1], m.a[2]), shorter(m.a[1], m.a[2]))
	}
	return install.Errorf(install.KindUsage, "%s: %w (%s)", where, err, help)
}

func match(re *regexp.Regexp, s string, out *[]string) bool {
	*out = re.FindStringSubmatch(s)
	return *out != nil
}

func longer(a, b string) string {
	if len(a) >= len(b) {
		return a
	}
	return b
}

func shorter(a, b string) string {
	if len(a) < len(b) {
		return a
	}
	return b
}

func flagNames(flags []cli.Flag) []string {
	var out []string
	for _, f := range flags {
		if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
			continue
		}
		out = append(out, f.Names()...)
	}
	return append(out, "help")
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// keepGlobals drops the global flags a command does not use.
func keepGlobals(flags []cli.Flag, use []string) []cli.Flag {
	keep := map[string]bool{}
	for _, n := range use {
		keep[n] = true
	}
	global := map[string]bool{}
	for _, f := range globalFlags() {
		global[f.Names()[0]] = true
	}
	var out []cli.Flag
	for _, f := range flags {
		if n := f.Names()[0]; !global[n] || keep[n] {
			out = append(out, f)
		}
	}
	return out
}

func dropFlags(flags []cli.Flag, drop []string) []cli.Flag {
	if len(drop) == 0 {
		return flags
	}
	var out []cli.Flag
	for _, f := range flags {
		keep := true
		for _, d := range drop {
			keep = keep && !hasFlag([]cli.Flag{f}, d)
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
}

// quietBools keeps help from printing "(default: false)" after every
// switch.
func quietBools(flags []cli.Flag) {
	for _, f := range flags {
		if bf, ok := f.(*cli.BoolFlag); ok {
			bf.DisableDefaultText = true
		}
	}
}

// onceFlags makes each single-valued flag refuse a second value.
func onceFlags(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		switch sf := f.(type) {
		case *cli.StringFlag:
			out[i] = onceString{sf}
		case *cli.IntFlag:
			out[i] = onceInt{sf}
		default:
			out[i] = f
		}
	}
	return out
}

type onceString struct{ *cli.StringFlag }

func (f onceString) Apply(set *flag.FlagSet) error {
	if err := f.StringFlag.Apply(set); err != nil {
		return err
	}
	wrapOnce(set, f.Names())
	return nil
}

type onceInt struct{ *cli.IntFlag }

func (f onceInt) Apply(set *flag.FlagSet) error {
	if err := f.IntFlag.Apply(set); err != nil {
		return err
	}
	wrapOnce(set, f.Names())
	return nil
}

func wrapOnce(set *flag.FlagSet, names []string) {
	for _, n := range names {
		if fl := set.Lookup(n); fl != nil {
			fl.Value = &onceValue{Value: fl.Value}
		}
	}
}

// onceValue is a flag value that may be set once per parse.
type onceValue struct {
	flag.Value
	first string
	set   bool
}

func (v *onceValue) Set(s string) error {
	if v.set {
		return fmt.Errorf("given twice, first %q", v.first)
	}
	v.set, v.first = true, s
	return v.Value.Set(s)
}

// macTarget reports whether the root is a Mac (its user records are
// dslocal): its helper must be Mach-O; other roots take the host's format.
func macTarget(root string) bool {
	if runtime.GOOS == "darwin" {
		return true
	}
	fi, err := os.Stat(filepath.Join(root, "private/var/db/dslocal"))
	return err == nil && fi.IsDir()
}

// checkHelperBinary accepts only a regular, executable file in the
// target's format (docs/contract.md §4 step 8): Mach-O (thin or universal) for a
// Mac, else the host's own. Root will run it as a KeepAlive daemon.
func checkHelperBinary(p string, mac bool) error {
	fi, err := os.Stat(p)
	if err != nil {
		return install.Errorf(install.KindUsage, "--helper-binary %s: %w", p, errors.Unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		return install.Errorf(install.KindUsage, "--helper-binary %s is not a regular file (%s); pass the vmnetd executable", p, fi.Mode().Type())
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return install.Errorf(install.KindUsage, "--helper-binary %s is not executable (mode %04o); pass the vmnetd executable", p, fi.Mode().Perm())
	}
	f, err := os.Open(p)
	if err != nil {
		return install.Errorf(install.KindUsage, "--helper-binary %s: %w", p, errors.Unwrap(err))
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	switch {
	case mac && (err != nil || !isMachO(magic)):
		return install.Errorf(install.KindUsage, "--helper-binary %s is not a macOS executable (no Mach-O header); pass the vmnetd built for macOS", p)
	case !mac && (err != nil || string(magic) != "\x7fELF") && !isMachO(magic):
		return install.Errorf(install.KindUsage, "--helper-binary %s is not an executable of this system (no ELF or Mach-O header); pass the vmnetd built for it", p)
	}
	return nil
}

// isMachO reports whether b starts a Mach-O file: thin 32 or 64 bit in
// either byte order, or universal (fat).
func isMachO(b []byte) bool {
	switch string(b) {
	case "\xfe\xed\xfa\xce", "\xce\xfa\xed\xfe", "\xfe\xed\xfa\xcf", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe", "\xbe\xba\xfe\xca":
		return true
	}
	return false
}

// switchWriter is stdout, redirectable while a command's output is
// wrapped in a JSON object; it counts what reached the real stdout.
type switchWriter struct {
	w       io.Writer
	written int64
	real    io.Writer
}

func newSwitchWriter(w io.Writer) *switchWriter { return &switchWriter{w: w, real: w} }

func (s *switchWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if s.w == s.real {
		s.written += int64(n)
	}
	return n, err
}

func (s *switchWriter) redirect(w io.Writer) (restore func()) {
	old := s.w
	s.w = w
	return func() { s.w = old }
}

// usagef is a usage error (exit 2).
func usagef(format string, args ...any) error {
	return install.Errorf(install.KindUsage, format, args...)
}

// helpCommand is `installer help [COMMAND [SUBCOMMAND]]`.
func helpCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the help of the program or of a command",
		UsageText: "installer help [COMMAND [SUBCOMMAND]]",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		Action: func(c *cli.Context) error {
			words := c.Args().Slice()
			if len(words) == 0 {
				return cli.ShowAppHelp(c)
			}
			cmds, prefix := c.App.Commands, ""
			for _, w := range words {
				var found *cli.Command
				for _, cmd := range cmds {
					if cmd.HasName(w) {
						found = cmd
					}
				}
				if found == nil {
					return unknownWord(c, "help: "+prefix, w, cmds, nil)
				}
				cmds, prefix = found.Subcommands, prefix+w+" "
			}
			argv := append(append([]string{"installer"}, words...), "--help")
			return NewApp(deps).RunContext(c.Context, argv)
		},
	}
}
