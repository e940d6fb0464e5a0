package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/mdm"
)

// The reference documentation generated from the command tree: the
// installer(8) man page and docs/commands.md. The written parts (exit
// status, files, examples) live here beside the generator, so one test
// keeps both committed files in sync with the CLI.

// manDate is the date the man page carries; bump it with the text.
const manDate = "December 1, 2026"

// exitCodes are docs/contract.md §10 with what an administrator can do about each.
var exitCodes = []struct {
	kind          install.Kind
	meaning, todo string
}{
	{install.KindOK, "done, or nothing to do", ""},
	{install.KindFailed, "a step failed; this run's changes were undone (also: interrupted by SIGINT or SIGTERM)", "read the message: it names the step and the cause"},
	{install.KindUsage, "usage: unknown flag or command, bad value, contradicting flags, missing --user, bad managed preference", "fix the flags or the configuration profile"},
	{install.KindNotRoot, "must run as root (live install or uninstall, or the user records are root's)", "run from the MDM (root) or with sudo"},
	{install.KindBadUser, "user invalid: unknown, root, system account, no home", "check the user name; create the account first"},
	{install.KindLocked, "machine locked to another user", "uninstall first, or pass --force to move it"},
	{install.KindNoConsole, "no console user (--user=@console at the login window or Setup Assistant)", "retry at the next login or check-in"},
	{install.KindBusy, "another installer holds the lock (after waiting up to 10 s)", "retry later"},
	{install.KindNoProduct, "product or app bundle not found", "install the app first"},
	{install.KindUnsafe, "unsafe filesystem state refused; nothing changed", "fix the named path's owner, mode or link"},
	{install.KindDrift, "status: drift from the profile", "run install again"},
	{install.KindNotInstalled, "status: not installed", ""},
}

// filesWritten lists, for a product, every path install may write.
func filesWritten(d product.Descriptor) [][2]string {
	return [][2]string{
		{d.ProfilePath(), "the single-user profile: the wanted state and the receipt uninstall works from (root:wheel 0644)"},
		{d.AppSupportDir + "/registry.json, admin-settings.json, desktop.plist", "vendor settings from --allowed-org, --admin-settings and the proxy flags (root:wheel 0644)"},
		{"/usr/local/bin/<tool>", "CLI links into " + d.BundledCLIDir() + " (--cli-location=system)"},
		{"~/" + d.UserDir + "/bin/<tool>", "CLI links, owned by the user (--cli-location=user)"},
		{"/etc/paths.d/" + d.Name, "the user's bin dir on PATH (--path-edit=paths.d)"},
		{"~/.zprofile, ~/.bash_profile, ~/.config/fish/conf.d/" + d.Name + ".fish", "a marked PATH block, owned by the user (--path-edit=shell)"},
		{d.SocketLink, "link to the user's socket ~/" + d.UserSocket + " (--docker-socket)"},
		{d.BootTaskPlist(), "LaunchDaemon that recreates the socket link at boot"},
		{"/etc/hosts", "a marked block mapping localhost and, with --kubernetes, " + d.KubernetesName},
		{d.HelperBinary(), "the vmnetd helper (--privileged-ports)"},
		{d.HelperPlist(), "its LaunchDaemon (KeepAlive)"},
		{d.LogPath(), "JSON-lines log, one header line per run (or --log-file, whose directory must exist)"},
		{"/etc/newsyslog.d/" + d.Name + "-installer.conf", "rotation of that log"},
		{d.LockPath(), "the lock that keeps two installers apart"},
		{"/Library/Managed Preferences/[<user>/]" + d.ManagedDomain + ".plist", "read, never written: settings from MDM"},
	}
}

var examples = [][2]string{
	{"installer install --user=alice --kubernetes", "converge the Mac for alice, with the kubernetes name in /etc/hosts"},
	{"installer plan --user=alice --cli-location=user --path-edit=shell", "list every privileged operation, change nothing"},
	{"installer install --user=@console --privileged-ports", "for whoever is logged in, with the port helper"},
	{"installer install --root=/Volumes/Image --user=alice", "offline, into a mounted image"},
	{`installer jamf "$@"`, "the whole of a Jamf Pro policy script"},
	{"installer status --format=jamf", "a Jamf Extension Attribute"},
	{"installer mdm profile --user=alice --kubernetes > installer.mobileconfig", "the same settings as a configuration profile"},
	{"installer uninstall", "remove exactly what the receipt lists"},
	{"installer completion zsh > \"${fpath[1]}/_installer\"", "zsh completion"},
}

// docCommand is one command of the tree, flattened for the documents.
type docCommand struct {
	path  string
	cmd   *cli.Command
	own   []cli.Flag
	globs []string
}

func docCommands(a *cli.App) []docCommand {
	global := map[string]bool{}
	for _, f := range globalFlags() {
		global[f.Names()[0]] = true
	}
	var out []docCommand
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			p := strings.TrimSpace(prefix + " " + c.Name)
			if len(c.Subcommands) > 0 {
				walk(p, c.Subcommands)
				continue
			}
			dc := docCommand{path: p, cmd: c}
			for _, f := range c.Flags {
				if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
					continue
				}
				if n := f.Names()[0]; global[n] {
					dc.globs = append(dc.globs, "--"+n)
				} else {
					dc.own = append(dc.own, f)
				}
			}
			out = append(out, dc)
		}
	}
	walk("", a.Commands)
	return out
}

// flagDoc is a flag's synopsis ("--user NAME, -u NAME") and description.
func flagDoc(f cli.Flag) (syn, usage string) {
	df, _ := f.(cli.DocGenerationFlag)
	var names []string
	for _, n := range f.Names() {
		dash := "--"
		if len(n) == 1 {
			dash = "-"
		}
		s := dash + n
		if df != nil && df.TakesValue() {
			s += " " + strings.ToUpper(strings.ReplaceAll(f.Names()[0], "-", "_"))
		}
		names = append(names, s)
	}
	if df != nil {
		usage = df.GetUsage()
		if d := df.GetDefaultText(); df.TakesValue() && d != "" && d != `""` {
			usage += " (default: " + strings.Trim(d, `"`) + ")"
		}
		if sf, ok := f.(cli.DocGenerationSliceFlag); ok && sf.IsSliceFlag() {
			usage += "; repeatable"
		}
	}
	return strings.Join(names, ", "), usage
}

// roff escapes text for a man page line.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// ManPage is installer(8), generated from the command tree of a.
func ManPage(a *cli.App) string {
	d, _ := product.Builtin("docker")
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w(`.\" Generated from the command tree by cmd/installer/app/manpage.go; do not edit.`)
	w(`.TH INSTALLER 8 "%s" "macfleet installer" "System Manager's Manual"`, manDate)
	w(".SH NAME")
	w(`installer \- %s`, roff(a.Usage))
	w(".SH SYNOPSIS")
	w(".B installer")
	w(`[\fIglobal flags\fR] \fIcommand\fR [\fIflags\fR] [\fIarguments\fR]`)
	w(".br")
	w(".B installer")
	w(`\-\-user \fINAME\fR [\fIinstall flags\fR]`)
	w(".SH DESCRIPTION")
	w(".B installer")
	w("runs once as root, from an MDM (Jamf, Intune, Munki, a package postinstall or an image build),")
	w("and performs every privileged configuration a desktop container app would otherwise prompt for,")
	w("so the app then runs as one user and never asks for an administrator password.")
	w("Each run describes the whole wanted state: a flag not given takes its managed preference or its default.")
	w("A run is idempotent and all\\-or\\-nothing: a failed or interrupted run undoes its own changes.")
	w(".PP")
	w("Usage errors name what was wrong, suggest the nearest flag or command, and exit 2;")
	w(`with \fB\-\-json\fR every outcome, flag errors included, is one JSON object on standard output.`)
	w(".SH GLOBAL FLAGS")
	w("Accepted before the command name, and after it by the commands that use them.")
	for _, f := range globalFlags() {
		syn, usage := flagDoc(f)
		w(".TP")
		w(`.B %s`, roff(syn))
		w("%s", roff(usage))
	}
	w(".SH COMMANDS")
	for _, dc := range docCommands(a) {
		w(".SS %s", roff(dc.path))
		w("%s.", roff(strings.TrimSuffix(dc.cmd.Usage, ".")))
		if ut := dc.cmd.UsageText; ut != "" {
			w(".PP")
			for i, l := range strings.Split(ut, "\n") {
				if i > 0 {
					w(".br")
				}
				w("%s", roff(strings.TrimSpace(l)))
			}
		}
		if len(dc.globs) > 0 {
			w(".PP")
			w("Global flags: %s.", roff(strings.Join(dc.globs, ", ")))
		}
		for _, f := range dc.own {
			syn, usage := flagDoc(f)
			w(".TP")
			w(`.B %s`, roff(syn))
			w("%s", roff(usage))
		}
	}
	w(".SH MANAGED PREFERENCES")
	w("Settings may come from %s (user scope) or %s (device scope), in that order; flags on the command line win.",
		roff(`/Library/Managed Preferences/<user>/`+d.ManagedDomain+".plist"), roff("/Library/Managed Preferences/"+d.ManagedDomain+".plist"))
	w("Keys mirror the flags:")
	for _, k := range mdm.Keys() {
		w(".TP")
		w(`.B %s`, roff(k.Name))
		w("%s, like \\fB\\-\\-%s\\fR: %s.", roff(k.Type.String()), roff(k.Flag), roff(k.Doc))
	}
	w(".SH EXIT STATUS")
	for _, e := range exitCodes {
		w(".TP")
		w(".B %d", e.kind.ExitCode())
		line := e.meaning
		if e.todo != "" {
			line += "; " + e.todo
		}
		w("%s (%s).", roff(line), roff(e.kind.String()))
	}
	w(".SH FILES")
	w("For \\fB\\-\\-product=%s\\fR (the iechor product has its own names):", d.Name)
	for _, f := range filesWritten(d) {
		w(".TP")
		w(`.I %s`, roff(f[0]))
		w("%s.", roff(f[1]))
	}
	w(".SH EXAMPLES")
	for i, e := range examples {
		if i > 0 {
			w(".PP")
		}
		w("%s:", roff(e[1]))
		w(".PP")
		w(".RS 4")
		w(`\fB%s\fR`, roff(e[0]))
		w(".RE")
	}
	w(".SH SEE ALSO")
	w(".BR launchctl (1),")
	w(".BR newsyslog (8)")
	w(".PP")
	w("The helper's wire protocol: helper/PROTOCOL.md in the source; the reference: docs/ in the source.")
	return b.String()
}

// CommandsMarkdown is docs/commands.md, generated from the command tree.
func CommandsMarkdown(a *cli.App) string {
	d, _ := product.Builtin("docker")
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	md := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	w("<!-- Generated from the command tree by cmd/installer/app/manpage.go (UPDATE_GOLDEN=1 go test -run TestReferenceDocs ./cmd/installer/app); do not edit. -->")
	w("# installer commands and flags")
	w("")
	w("`installer [global flags] COMMAND [flags] [arguments]`; `installer --user NAME` alone means `install`.")
	w("`installer help COMMAND` prints the same for one command.")
	w("")
	w("## Global flags")
	w("")
	w("Accepted before the command name, and after it by the commands that use them (listed under each).")
	w("")
	w("| flag | |")
	w("|---|---|")
	for _, f := range globalFlags() {
		syn, usage := flagDoc(f)
		w("| `%s` | %s |", syn, md(usage))
	}
	for _, dc := range docCommands(a) {
		w("")
		w("## %s", dc.path)
		w("")
		w("%s.", strings.TrimSuffix(dc.cmd.Usage, "."))
		if dc.cmd.UsageText != "" {
			w("")
			w("```")
			w("%s", dc.cmd.UsageText)
			w("```")
		}
		if len(dc.globs) > 0 {
			w("")
			w("Global flags: %s.", "`"+strings.Join(dc.globs, "`, `")+"`")
		}
		if len(dc.own) > 0 {
			w("")
			w("| flag | |")
			w("|---|---|")
			for _, f := range dc.own {
				syn, usage := flagDoc(f)
				w("| `%s` | %s |", syn, md(usage))
			}
		}
	}
	w("")
	w("## Managed preferences")
	w("")
	w("`/Library/Managed Preferences/<user>/%s.plist`, then `/Library/Managed Preferences/%s.plist`; a flag given on the command line wins. `Payload*` keys are ignored; a key of the wrong type is exit 2 naming the file and the key.", d.ManagedDomain, d.ManagedDomain)
	w("")
	w("| key | type | flag | |")
	w("|---|---|---|---|")
	for _, k := range mdm.Keys() {
		vals := ""
		if len(k.Values) > 0 {
			vals = " (" + strings.Join(k.Values, ", ") + ")"
		}
		w("| `%s` | %s | `--%s` | %s%s |", k.Name, k.Type, k.Flag, md(k.Doc), vals)
	}
	w("")
	w("## Exit codes")
	w("")
	w("| code | word (`--json` error.code) | meaning | what to do |")
	w("|---|---|---|---|")
	for _, e := range exitCodes {
		w("| %d | `%s` | %s | %s |", e.kind.ExitCode(), e.kind, md(e.meaning), md(e.todo))
	}
	w("")
	w("## Files written (for `--product=%s`)", d.Name)
	w("")
	w("| path | |")
	w("|---|---|")
	for _, f := range filesWritten(d) {
		w("| `%s` | %s |", f[0], md(f[1]))
	}
	w("")
	w("## Examples")
	w("")
	for _, e := range examples {
		w("- %s: `%s`", e[1], e[0])
	}
	return b.String()
}
