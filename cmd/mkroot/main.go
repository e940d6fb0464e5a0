package main

import (
	"fmt"
	"os"

	"github.com/macfleet/installer/install/sampleroot"
)

func main() {
	a, err := sampleroot.ParseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkroot:", err)
		os.Exit(2)
	}
	if a.HostsFile != "" {
		b, err := os.ReadFile(a.HostsFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkroot:", err)
			os.Exit(2)
		}
		a.Hosts = string(b)
	}
	if err := sampleroot.Build(a.Dir, a.Options); err != nil {
		fmt.Fprintln(os.Stderr, "mkroot:", err)
		os.Exit(1)
	}
}
