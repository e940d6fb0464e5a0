package app

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/mdm"
)

// globalFlags are accepted before or after the command name.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "root", Value: "/", Usage: "target root: / is the running Mac; any other directory is an offline install into an image or tree"},
		&cli.StringFlag{Name: "product", Value: "docker", Usage: "built-in product: docker or iechor"},
		&cli.StringFlag{Name: "product-file", Usage: "product descriptor plist (overrides --product)"},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON result object on stdout"},
		&cli.StringFlag{Name: "log-file", Usage: "JSON-lines log (default /Library/Logs/<product>-installer/installer.log inside the root)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "log only warnings and errors on stderr"},
		&cli.BoolFlag{Name: "verbose", Usage: "log debug detail on stderr"},
	}
}

// installFlags are the wanted state of docs/contract.md §4, made from the
// settings table (mdm.Settings), which also gives the managed-preferences
// keys, the schemas and the MDM scripts: a boolean with a --no- form
// becomes two flags.
func installFlags() []cli.Flag {
	var out []cli.Flag
	for _, s := range mdm.Settings() {
		switch s.Type {
		case mdm.TypeBoolean:
			out = append(out, &cli.BoolFlag{Name: s.Flag, Aliases: s.Aliases, Usage: s.Help})
			if s.NoFlag != "" {
				out = append(out, &cli.BoolFlag{Name: "no-" + s.Flag, Usage: s.NoFlag})
			}
		case mdm.TypeStringArray:
			out = append(out, &cli.StringSliceFlag{Name: s.Flag, Aliases: s.Aliases, Usage: s.Help})
		default:
			def, _ := s.Default.(string)
			out = append(out, &cli.StringFlag{Name: s.Flag, Aliases: s.Aliases, Value: def, Usage: s.Help})
		}
	}
	return out
}

// withGlobals adds the global flags to a command's own, so both
// `installer --root X install` and `installer install --root X` work.
func withGlobals(flags ...cli.Flag) []cli.Flag { return append(globalFlags(), flags...) }

// flagCtx returns the innermost context in which name was given, or c
// itself (for the default): urfave/cli v2 reads a flag from the innermost
// context that defines it, even when it was given to an outer one.
func flagCtx(c *cli.Context, name string) *cli.Context {
	for _, lc := range c.Lineage() {
		if isSetHere(lc, name) {
			return lc
		}
	}
	return c
}

func isSetHere(c *cli.Context, name string) bool {
	for _, n := range c.LocalFlagNames() {
		if n == name {
			return true
		}
	}
	return false
}

func str(c *cli.Context, name string) string { return flagCtx(c, name).String(name) }
func boolean(c *cli.Context, name string) bool {
	return flagCtx(c, name).Bool(name)
}
func given(c *cli.Context, name string) bool { return isSetHere(flagCtx(c, name), name) }

// tristate reads a --name/--no-name pair: given, and its value.
func tristate(c *cli.Context, name string) (set, value bool, err error) {
	on, off := given(c, name) && boolean(c, name), given(c, "no-"+name) && boolean(c, "no-"+name)
	if on && off {
		return false, false, install.Errorf(install.KindUsage, "--%s and --no-%s contradict each other: pass one", name, name)
	}
	return on || off, on, nil
}

// loadProduct picks the descriptor from --product or --product-file.
func loadProduct(c *cli.Context) (product.Descriptor, error) {
	if f := str(c, "product-file"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return product.Descriptor{}, install.Errorf(install.KindNoProduct, "read product file: %w", err)
		}
		d, err := product.Parse(data)
		if err != nil {
			return product.Descriptor{}, install.Errorf(install.KindUsage, "product file %s: %w", f, err)
		}
		return d, nil
	}
	d, err := product.Builtin(str(c, "product"))
	if err != nil {
		return d, install.Errorf(install.KindUsage, "%w", err)
	}
	return d, nil
}

// rootDir validates --root.
func rootDir(c *cli.Context) (string, error) {
	r := str(c, "root")
	if r == "" {
		return "", install.Errorf(install.KindUsage, "--root must not be empty")
	}
	abs, err := filepath.Abs(r)
	if err != nil {
		return "", install.Errorf(install.KindUsage, "--root %q: %w", r, err)
	}
	fi, err := os.Stat(abs)
	if err != nil || !fi.IsDir() {
		return "", install.Errorf(install.KindUsage, "--root %s is not a directory", r)
	}
	return abs, nil
}

func strs(c *cli.Context, name string) []string { return flagCtx(c, name).StringSlice(name) }
