// Package app is the installer's command line: flags in, options to the
// install package, exit codes and output out. main is a one-line shim over
// Main so that tests drive the real CLI in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
)

// Main runs the installer with args (args[0] is the program name) and
// returns the process exit code of SPEC.md §10.
func Main(ctx context.Context, args []string, deps Deps) int {
	a := NewApp(deps)
	err := a.RunContext(ctx, args)
	if err == nil {
		return 0
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) && install.KindOf(err) == install.KindFailed {
		// urfave's own exit errors (none expected, but never lose a code).
		fmt.Fprintf(deps.Stderr, "installer: %v\n", err)
		return ec.ExitCode()
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintf(deps.Stderr, "installer: %s\n", oneLine(err.Error()))
	}
	return install.KindOf(err).ExitCode()
}

// errReported marks an error whose message the action already printed.
var errReported = errors.New("reported")

// oneLine keeps an error on one line: an administrator greps logs by line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// usageError makes urfave's flag errors exit 2 with a one-line message.
func usageError(_ *cli.Context, err error, _ bool) error {
	return install.Errorf(install.KindUsage, "%w (see installer --help)", err)
}

// NewApp builds the command-line app over deps.
func NewApp(deps Deps) *cli.App {
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
				return install.Errorf(install.KindUsage, "unknown command %q (see installer --help)", c.Args().First())
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
	for _, cmd := range a.Commands {
		cmd.OnUsageError = usageError
	}
	return a
}
