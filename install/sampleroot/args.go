package sampleroot

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/macfleet/installer/install/product"
)

// Usage is the command line of mkroot, shared by cmd/mkroot and the
// stories' mkroot command.
const Usage = "usage: mkroot [-product NAME] [-no-app] [-hosts FILE] [-as-built] [-dragged-app] [-brew] [-no-usr-local] [-plain] [-app-version V|none] [-vmnetd-version V|none] [-app-store] DIR [NAME:UID[:GID] ...]"

// Args is a parsed mkroot command line.
type Args struct {
	Dir string
	// HostsFile, when set, names a file whose content replaces MacHosts.
	HostsFile string
	Options
}

// ParseArgs reads a mkroot command line (without the program name).
// Users default to the staff group.
func ParseArgs(args []string) (Args, error) {
	var a Args
	fl := flag.NewFlagSet("mkroot", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	prod := fl.String("product", "docker", "product whose app bundle to create")
	fl.BoolVar(&a.NoApp, "no-app", false, "leave the app bundle out")
	fl.StringVar(&a.HostsFile, "hosts", "", "file to use as /etc/hosts")
	fl.BoolVar(&a.AsBuilt, "as-built", false, "/ root:wheel 0755 and /private/var/run 0755, as an image is built")
	fl.BoolVar(&a.DraggedApp, "dragged-app", false, "the app bundle belongs to the first user (alice:admin), dragged in by her")
	fl.BoolVar(&a.BrewUsrLocal, "brew", false, "/usr/local/bin belongs to the first user, as Homebrew on Intel leaves it")
	fl.BoolVar(&a.NoUsrLocal, "no-usr-local", false, "no /usr/local at all, as on Apple silicon")
	fl.BoolVar(&a.NoUsrLocal, "no-usr-local-bin", false, "the same as -no-usr-local")
	fl.StringVar(&a.AppVersion, "app-version", DefaultAppVersion, "the app's CFBundleShortVersionString (none: left out, an unknown version)")
	fl.StringVar(&a.VmnetdVersion, "vmnetd-version", "", "the app's VmnetdVersion (default "+DefaultVmnetdVersion+" up to the last version with its own helper, else none)")
	fl.BoolVar(&a.AppStore, "app-store", false, "the first user has the app's settings store (4.37, 49 keys) and a leftover settings.json")
	fl.BoolVar(&a.Plain, "plain", false, "every path root:root 0755 (not a Mac's layout)")
	if err := fl.Parse(args); err != nil {
		return a, fmt.Errorf("%w; %s", err, Usage)
	}
	if fl.NArg() < 1 {
		return a, fmt.Errorf("missing DIR; %s", Usage)
	}
	d, err := product.Builtin(*prod)
	if err != nil {
		return a, err
	}
	a.Dir, a.Product, a.Hosts = fl.Arg(0), d, MacHosts
	for _, s := range fl.Args()[1:] {
		parts := strings.Split(s, ":")
		u := User{Name: parts[0], GID: Staff}
		var err error
		if len(parts) < 2 || len(parts) > 3 || u.Name == "" {
			return a, fmt.Errorf("bad user %q: want NAME:UID[:GID]", s)
		}
		if u.UID, err = strconv.Atoi(parts[1]); err != nil {
			return a, fmt.Errorf("bad user %q: uid: %w", s, err)
		}
		if len(parts) == 3 {
			if u.GID, err = strconv.Atoi(parts[2]); err != nil {
				return a, fmt.Errorf("bad user %q: gid: %w", s, err)
			}
		}
		a.Users = append(a.Users, u)
	}
	return a, nil
}
