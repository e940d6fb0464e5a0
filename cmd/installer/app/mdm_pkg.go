// The postinstall written here runs as root on every Mac that receives
// the package: every flag is single-quoted, nothing in it expands.

package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/mdm/flatpkg"
)

// toolPath is where the tool package installs the installer (docs/contract.md §12);
// the postinstall of `mdm pkg` runs it from there.
const toolPath = "/usr/local/macfleet/bin/installer"

// pkgOwnFlags are the flags of mdm pkg itself, not passed to install.
var pkgOwnFlags = map[string]bool{"out": true, "identifier": true, "pkg-version": true, "json": true}

func mdmPkgCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:      "pkg",
		Usage:     "write a payload-free .pkg whose postinstall runs install with these flags (for consoles that deploy packages)",
		UsageText: "installer mdm pkg --out FILE.pkg [--identifier ID] [--pkg-version V] [install flags]",
		Flags: withGlobals(append(installFlags(),
			&cli.StringFlag{Name: "out", Usage: "the package to write (required)"},
			&cli.StringFlag{Name: "identifier", Value: "com.github.macfleet.installer.install", Usage: "the package identifier (its receipt)"},
			&cli.StringFlag{Name: "pkg-version", Usage: "the package version (default: this installer's version)"})...),
		OnUsageError: usageError,
		Action:       func(c *cli.Context) error { return runMDMPkg(c, deps) },
	}
}

func runMDMPkg(c *cli.Context, deps Deps) error {
	out := c.String("out")
	if out == "" {
		return install.Errorf(install.KindUsage, "mdm pkg: --out FILE.pkg is required")
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return install.Errorf(install.KindUsage, "mdm pkg: --out %s: its directory %s does not exist", out, filepath.Dir(out))
	}
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	// The checks an install would make, so the package never carries
	// settings every Mac would refuse.
	in := inputs{c: c, prefs: map[string]any{}, from: map[string]string{}}
	if _, err := settingsCheck(in); err != nil {
		return err
	}
	version := c.String("pkg-version")
	if version == "" {
		version = Version
	}
	mtime := deps.Now()
	if s := deps.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return install.Errorf(install.KindUsage, "mdm pkg: SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
		}
		mtime = time.Unix(n, 0)
	}
	args := bakedInstallArgs(c)
	p := flatpkg.Package{
		Title:             d.Name + " setup (macfleet installer)",
		ID:                c.String("identifier"),
		Version:           version,
		InstallLocation:   "/",
		HostArchitectures: "arm64,x86_64",
		MTime:             mtime,
		Postinstall:       []byte(pkgPostinstall(filepath.Base(out), args)),
	}
	if err := p.WriteFile(out, nil); err != nil {
		return install.Errorf(install.KindUsage, "mdm pkg: %w", err)
	}
	fmt.Fprintf(deps.Stdout, "%s: postinstall runs %s install%s\n", out, toolPath, quotedArgs(args))
	return nil
}

// bakedInstallArgs are the install flags given to this command, as
// --name or --name=value words, in the order the command defines them.
func bakedInstallArgs(c *cli.Context) []string {
	var args []string
	for _, fl := range c.Command.Flags {
		name := fl.Names()[0]
		if pkgOwnFlags[name] || !isSetHere(c, name) {
			continue
		}
		switch fl.(type) {
		case *cli.BoolFlag:
			if c.Bool(name) {
				args = append(args, "--"+name)
			} else {
				args = append(args, "--"+name+"=false")
			}
		case *cli.StringSliceFlag:
			for _, v := range c.StringSlice(name) {
				args = append(args, "--"+name+"="+v)
			}
		default:
			args = append(args, "--"+name+"="+c.String(name))
		}
	}
	return args
}

// shellQuote quotes s for sh and bash: single quotes, each ' as '\”.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// quotedArgs is " 'a' 'b'…": args as words for the shell.
func quotedArgs(args []string) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(" " + shellQuote(a))
	}
	return b.String()
}

// pkgPostinstall is the package's postinstall: Installer runs it as root
// with the target volume as $3; it runs the tool's install with args
// (and --root="$3" off the boot volume) and returns its exit code.
func pkgPostinstall(name string, args []string) string {
	flags := quotedArgs(args)
	return fmt.Sprintf(`#!/bin/bash
# The flags are single-quoted on purpose: nothing in them expands.
# shellcheck disable=SC2016
# postinstall of %[1]s, made by installer mdm pkg %[2]s.
# Installer runs it as root with the target volume as $3.
installer=%[3]s
if [ ! -x "$installer" ]; then
  echo "$installer is missing: install macfleet-installer-<version>.pkg first" >&2
  exit 1
fi
if [ "${3:-/}" = / ]; then
  exec "$installer" install%[4]s
fi
exec "$installer" install%[4]s --root="$3"
`, strings.ReplaceAll(name, "\n", " "), Version, toolPath, flags)
}
