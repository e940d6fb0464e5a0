package app

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/product"
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

// installFlags are the wanted state of SPEC.md §4.
func installFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "the one user the app will run as"},
		&cli.StringFlag{Name: "cli-location", Value: "system", Usage: "where CLI links go: system (/usr/local/bin) or user (~/.docker/bin)"},
		&cli.StringFlag{Name: "path-edit", Value: "paths.d", Usage: "how the user location gets on PATH: paths.d, shell or none"},
		&cli.BoolFlag{Name: "docker-socket", Usage: "link the socket path to the user's socket, recreated at boot (default)"},
		&cli.BoolFlag{Name: "no-docker-socket", Usage: "remove the socket link and its boot task"},
		&cli.BoolFlag{Name: "privileged-ports", Usage: "install the vmnetd helper that binds ports below 1024 for the user"},
		&cli.BoolFlag{Name: "no-privileged-ports", Usage: "remove the vmnetd helper (default)"},
		&cli.StringFlag{Name: "helper-binary", Usage: "vmnetd to install (default: the app's, else the one beside the installer)"},
		&cli.StringFlag{Name: "policy-key", Usage: "base64 ed25519 public key that may sign registry access policies"},
		&cli.BoolFlag{Name: "kubernetes", Usage: "map the kubernetes name to 127.0.0.1 in /etc/hosts"},
		&cli.BoolFlag{Name: "no-kubernetes", Usage: "remove the kubernetes name mapping (default)"},
		&cli.BoolFlag{Name: "accept-license", Usage: "accept the vendor's license on the user's behalf"},
		&cli.StringSliceFlag{Name: "allowed-org", Usage: "organization users must sign in to (repeatable) -> registry.json"},
		&cli.StringFlag{Name: "admin-settings", Usage: "admin settings JSON (needs --allowed-org) -> admin-settings.json"},
		&cli.StringFlag{Name: "proxy-http-mode", Usage: "system or manual"},
		&cli.StringFlag{Name: "override-proxy-http", Usage: "HTTP proxy URL (needs --proxy-http-mode=manual)"},
		&cli.StringFlag{Name: "override-proxy-https", Usage: "HTTPS proxy URL (needs --proxy-http-mode=manual)"},
		&cli.StringFlag{Name: "override-proxy-exclude", Usage: "hosts that bypass the proxy (needs --proxy-http-mode=manual)"},
		&cli.StringFlag{Name: "override-proxy-pac", Usage: "PAC file URL (needs --proxy-http-mode=manual)"},
		&cli.StringFlag{Name: "override-proxy-embedded-pac", Usage: "PAC script (needs --proxy-http-mode=manual)"},
		&cli.BoolFlag{Name: "force", Usage: "re-lock a machine set up for another user"},
		&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and change nothing"},
	}
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
