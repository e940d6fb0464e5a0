package app

import (
	"flag"

	"github.com/urfave/cli/v2"
)

// urfave/cli adds its package-level --help and --version flags to every
// App and command, and (*cli.BoolFlag).Apply writes to the flag it is
// called on: two Mains at once in one process (the tests run the CLI
// in-process, in parallel) would race on them. They are replaced once,
// before any Main, by flags that apply a copy and are never written.
func init() {
	for _, p := range []*cli.Flag{&cli.HelpFlag, &cli.VersionFlag} {
		if bf, ok := (*p).(*cli.BoolFlag); ok {
			*p = sharedBool{bf}
		}
	}
}

// sharedBool is a package-level switch that several Apps may apply at
// once; everything but Apply is the flag's own.
type sharedBool struct{ *cli.BoolFlag }

func (f sharedBool) Apply(set *flag.FlagSet) error {
	c := *f.BoolFlag
	return c.Apply(set)
}
