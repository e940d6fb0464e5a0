package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
)

// Main runs the installer with args (args[0] is the program name) and
// returns the process exit code of docs/contract.md §10. SIGINT and SIGTERM cancel
// the run's context (apply undoes this run's changes and the exit is 1);
// a closed stdout or stderr is a failed write, never a kill (SIGPIPE).
func Main(ctx context.Context, args []string, deps Deps) int {
	ignoreSIGPIPE()
	if code, ok := appleSyntax(args, deps.Stderr); ok {
		return code
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := newSwitchWriter(deps.Stdout)
	deps.Stdout = out
	a := NewApp(deps)
	a.Metadata = map[string]any{"args": args}
	err := a.RunContext(ctx, args)
	code := install.KindOf(err).ExitCode()
	var ec cli.ExitCoder
	if err != nil && errors.As(err, &ec) && install.KindOf(err) == install.KindFailed {
		// urfave's own exit errors (none expected, but never lose a code).
		code = ec.ExitCode()
	}
	if err != nil && !errors.Is(err, errReported) {
		fmt.Fprintf(deps.Stderr, "ERROR %s\n", oneLine(err.Error()))
	}
	if wantsJSON(args) && out.written == 0 {
		// Every outcome has its object (docs/contract.md §13), flag errors included.
		_ = writeJSON(out, fallbackObject(args, err, code))
	}
	return code
}

var pipeOnce sync.Once

// ignoreSIGPIPE asks for SIGPIPE, so the runtime turns a write to a
// closed pipe on stdout or stderr into EPIPE instead of killing the
// process halfway through a run; the signal itself is dropped. (Unlike
// signal.Ignore, launchctl and other children start with the default.)
func ignoreSIGPIPE() {
	pipeOnce.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGPIPE)
		go func() {
			for range ch {
			}
		}()
	})
}

// errReported marks an error whose message the action already printed.
var errReported = errors.New("reported")

// oneLine keeps an error on one line: an administrator greps logs by line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// NewApp builds the command-line app over deps.
func NewApp(deps Deps) *cli.App {
	out, ok := deps.Stdout.(*switchWriter)
	if !ok {
		out = newSwitchWriter(deps.Stdout)
		deps.Stdout = out
	}
	a := &cli.App{
		Name:      "installer",
		Usage:     "set up a desktop container app for one user, headless, from MDM",
		UsageText: "installer [global flags] [command] [flags]\n   installer --user NAME        same as: installer install --user NAME",
		Version:   Version,
		Writer:    deps.Stdout,
		ErrWriter: deps.Stderr,
		// The library must never exit behind Main's back.
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError:    usageError,
		HideHelpCommand: true,
		Flags:           append(globalFlags(), installFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unknownWord(c, "", c.Args().First(), c.App.Commands, c.App.Flags)
			}
			if boolean(c, "quiet") && boolean(c, "verbose") {
				return install.Errorf(install.KindUsage, "--quiet and --verbose contradict each other: pass one")
			}
			if c.NumFlags() == 0 {
				_ = cli.ShowAppHelp(c)
				return install.Errorf(install.KindUsage, "no command given")
			}
			return runInstall(c, deps, false)
		},
		Commands: []*cli.Command{
			installCommand(deps),
			planCommand(deps),
			uninstallCommand(deps),
			statusCommand(deps),
			setupCommand(deps),
			portsCommand(deps),
			jamfCommand(deps),
			mdmCommand(deps),
			policyCommand(deps),
			diagnoseCommand(deps),
			versionCommand(deps),
		},
	}
	applyConventions(a, deps, out)
	return a
}
