// This code runs as root: MDM scripts and administrators run
// `sudo installer -pkg … -target /` expecting Apple's installer.

package app

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// appleInstaller is Apple's installer(8), which our name shadows only
// where someone puts us first on PATH (docs/contract.md §1 keeps us off it).
const appleInstaller = "/usr/sbin/installer"

// appleOptions are installer(8)'s own options (docs/contract.md §5); ours are all
// double-dash, so none of these means anything to us.
var appleOptions = map[string]bool{
	"-pkg": true, "-package": true, "-target": true, "-tgt": true,
	"-dominfo": true, "-volinfo": true, "-pkginfo": true, "-query": true,
	"-vers": true, "-listiso": true,
}

// appleSyntaxOption returns the first of Apple's options in args (args[0]
// is the program name), or "".
func appleSyntaxOption(args []string) string {
	for _, a := range args[min(1, len(args)):] {
		if a == "--" {
			break
		}
		if appleOptions[a] {
			return a
		}
	}
	return ""
}

// appleSyntax hands an invocation in Apple's syntax, arguments unchanged,
// to /usr/sbin/installer by exec. ok is false for our own syntax; where
// there is no Apple installer the code is 2 and stderr says why.
func appleSyntax(args []string, stderr io.Writer) (code int, ok bool) {
	opt := appleSyntaxOption(args)
	if opt == "" {
		return 0, false
	}
	if _, err := os.Stat(appleInstaller); err != nil {
		fmt.Fprintf(stderr, "ERROR %s is an option of Apple's installer(8), not of this macfleet installer, and %s is not here to take it (%v); on a Mac run %s, and the macfleet installer as /usr/local/macfleet/bin/installer\n",
			opt, appleInstaller, err, appleInstaller)
		return 2, true
	}
	argv := append([]string{appleInstaller}, args[1:]...)
	err := unix.Exec(appleInstaller, argv, os.Environ())
	// Exec returns only when it failed.
	fmt.Fprintf(stderr, "ERROR hand %s over to %s: %v\n", opt, appleInstaller, err)
	return 2, true
}
