// Command mkroot builds a sample Mac-like root for the demo and for trying
// the installer offline: mkroot DIR [NAME:UID ...].
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/sampleroot"
)

func main() {
	prod := flag.String("product", "docker", "product whose app bundle to create")
	noBin := flag.Bool("no-usr-local-bin", false, "leave /usr/local/bin out")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: mkroot [-product NAME] [-no-usr-local-bin] DIR [NAME:UID ...]")
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	d, err := product.Builtin(*prod)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkroot:", err)
		os.Exit(2)
	}
	o := sampleroot.Options{Product: d, Hosts: sampleroot.MacHosts, NoUsrLocalBin: *noBin}
	for _, a := range flag.Args()[1:] {
		name, uid, ok := strings.Cut(a, ":")
		n, err := strconv.Atoi(uid)
		if !ok || err != nil || name == "" {
			fmt.Fprintf(os.Stderr, "mkroot: bad user %q, want NAME:UID\n", a)
			os.Exit(2)
		}
		o.Users = append(o.Users, sampleroot.User{Name: name, UID: n, GID: 20})
	}
	if err := sampleroot.Build(flag.Arg(0), o); err != nil {
		fmt.Fprintln(os.Stderr, "mkroot:", err)
		os.Exit(1)
	}
}
