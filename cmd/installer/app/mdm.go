package app

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/mdm"
)

// jamfCommand takes Jamf's positional form exactly: installer jamf "$@".
func jamfCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:            "jamf",
		Usage:           `run install from a Jamf Pro policy: installer jamf "$@" (MOUNT COMPUTER USER P4…P11)`,
		UsageText:       `installer jamf "$@"`,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			baked, jamf := splitBaked(c.Args().Slice())
			if bakedUser(baked) && len(jamf) >= 3 {
				jamf = slices.Clone(jamf)
				jamf[2] = "" // the script's --user wins over the user Jamf reports
			}
			call, err := mdm.JamfArgs(jamf)
			if err != nil {
				return install.Errorf(install.KindUsage, "jamf: %w", err)
			}
			argv := append(append([]string{"installer", "install", "--root=" + call.Root}, baked...), call.Flags...)
			// The policy log is plain text.
			plain := deps
			plain.IsTerminal = func(io.Writer) bool { return false }
			return NewApp(plain).RunContext(c.Context, argv)
		},
	}
}

// splitBaked splits `installer jamf FLAG… -- MOUNT COMPUTER USER P4…`
// (what `mdm script --vendor=jamf` writes when given flags) into the
// flags and Jamf's arguments; without a "--" after leading flags, all
// are Jamf's (MOUNT never starts with "-").
func splitBaked(args []string) (baked, jamf []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
		if !strings.HasPrefix(a, "-") {
			break
		}
	}
	return nil, args
}

func bakedUser(flags []string) bool {
	for _, f := range flags {
		name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if name == "user" || name == "u" {
			return true
		}
	}
	return false
}

func mdmCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:  "mdm",
		Usage: "configuration profiles and scripts for MDM systems",
		Subcommands: []*cli.Command{
			{
				Name:      "profile",
				Usage:     "print a .mobileconfig that delivers these install settings as managed preferences",
				UsageText: "installer mdm profile [install flags] [--organization NAME] > installer.mobileconfig",
				Flags: withGlobals(append(installFlags(),
					&cli.StringFlag{Name: "organization", Value: "IT", Usage: "PayloadOrganization"})...),
				OnUsageError: usageError,
				Action:       func(c *cli.Context) error { return runMDMProfile(c, deps) },
			},
			{
				Name:      "script",
				Usage:     "print a ready-to-paste script for jamf, intune, kandji, fleet or munki that runs install with these flags",
				UsageText: "installer mdm script --vendor=jamf|intune|kandji|fleet|munki [--part PART] [--installer-path PATH] [install flags]",
				Flags: withGlobals(append(installFlags(),
					&cli.StringFlag{Name: "vendor", Usage: "jamf, intune, kandji, fleet or munki (required)"},
					&cli.StringFlag{Name: "part", Usage: "kandji: audit (default) or remediation; munki: installcheck (default) or postinstall"},
					&cli.StringFlag{Name: "installer-path", Value: "/usr/local/macfleet/bin/installer", Usage: "where the installer is on the Macs"},
					&cli.StringFlag{Name: "log-dir", Usage: "where the script logs (default /Library/Logs/<product>-installer)"})...),
				OnUsageError: usageError,
				Action:       func(c *cli.Context) error { return runMDMScript(c, deps) },
			},
			{
				Name:      "schema",
				Usage:     "print the managed-preferences domain as a Jamf Pro JSON schema or a ProfileManifests manifest",
				UsageText: "installer mdm schema --format=jamf|profilemanifests [--product NAME] > schema",
				Flags: withGlobals(
					&cli.StringFlag{Name: "format", Value: "jamf", Usage: "jamf (Application & Custom Settings JSON schema) or profilemanifests (ProfileCreator/iMazing manifest plist)"}),
				OnUsageError: usageError,
				Action:       func(c *cli.Context) error { return runMDMSchema(c, deps) },
			},
			mdmPkgCommand(deps),
		},
	}
}

func runMDMSchema(c *cli.Context, deps Deps) error {
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	var data []byte
	switch f := strings.ToLower(str(c, "format")); f {
	case "jamf":
		data, err = mdm.JamfSchema(d.ManagedDomain, d.Name+" installer")
	case "profilemanifests":
		data, err = mdm.ProfileManifest(d.ManagedDomain, d.Name+" installer")
	default:
		return install.Errorf(install.KindUsage, "mdm schema --format %q: must be jamf or profilemanifests", str(c, "format"))
	}
	if err != nil {
		return install.Errorf(install.KindFailed, "mdm schema: %w", err)
	}
	_, err = deps.Stdout.Write(data)
	return err
}

// givenSettings are the install settings given on the command line, keyed
// by managed-preferences key, typed as the profile needs them.
func givenSettings(c *cli.Context) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range mdm.Keys() {
		switch k.Type {
		case mdm.TypeBoolean:
			set, on, err := tristate(c, k.Flag)
			if err != nil {
				return nil, err
			}
			if set {
				out[k.Name] = on
			}
		case mdm.TypeStringArray:
			if given(c, k.Flag) {
				out[k.Name] = strs(c, k.Flag)
			}
		default:
			if given(c, k.Flag) {
				out[k.Name] = str(c, k.Flag)
			}
		}
	}
	return out, nil
}

func runMDMProfile(c *cli.Context, deps Deps) error {
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	settings, err := givenSettings(c)
	if err != nil {
		return err
	}
	// The same checks an install would make, so a profile never carries
	// settings every Mac would refuse.
	in := inputs{c: c, prefs: map[string]any{}, from: map[string]string{}}
	vs, err := settingsCheck(in)
	if err != nil {
		return err
	}
	if _, ok := settings["AdminSettings"]; ok {
		settings["AdminSettings"] = vs.AdminSettings // @FILE read, quotes made JSON's
	}
	for _, w := range vs.Warnings {
		fmt.Fprintln(deps.Stderr, "WARN "+w)
	}
	extras := mdm.Extras{
		Labels:       []string{d.HelperLabel, d.BootTaskLabel},
		LabelComment: d.Name + " installer: the port helper and the socket link's boot task",
		Team:         d.VendorTeam,
		TeamComment:  d.Name + " app: its own background items (signed by the vendor)",
	}
	if d.Name == "docker" {
		extras.DockerConfig = mdm.DockerConfig(settings)
	}
	data, err := mdm.MobileConfigWith(d.ManagedDomain, d.Name+" installer settings", str(c, "organization"), settings, extras)
	if err != nil {
		return install.Errorf(install.KindUsage, "mdm profile: %w", err)
	}
	_, err = deps.Stdout.Write(data)
	return err
}

// settingsCheck applies to the install flags given to an mdm generator
// every rule an install applies (install.Options.Validate), so a profile,
// script or package never carries settings every Mac would refuse; it
// returns the vendor settings with @FILE read.
func settingsCheck(in inputs) (install.Settings, error) {
	o := install.Options{HelperBinary: str(in.c, "helper-binary"), PolicyKey: in.str("policy-key"), Settings: readSettings(in)}
	if in.source("cli-location") != "default" {
		o.CLILocation = in.str("cli-location")
	}
	if in.source("path-edit") != "default" {
		o.PathEdit = in.str("path-edit")
	}
	_, o.PrivilegedPorts, _ = in.tri("privileged-ports")
	if err := o.Validate(); err != nil {
		return install.Settings{}, ruleError(in, o, err)
	}
	return checkSettings(in, o.Settings)
}

func runMDMScript(c *cli.Context, deps Deps) error {
	vendor := strings.ToLower(str(c, "vendor"))
	if vendor == "" {
		return install.Errorf(install.KindUsage, "mdm script: --vendor is required: one of %s", strings.Join(mdm.Vendors, ", "))
	}
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	// The flags it passes on are held to the rules an install applies.
	if _, err := settingsCheck(inputs{c: c, prefs: map[string]any{}, from: map[string]string{}}); err != nil {
		return err
	}
	script, err := mdm.Script(vendor, str(c, "installer-path"), givenInstallArgs(c), mdm.ScriptOptions{
		Product: d.Name, LogDir: str(c, "log-dir"), Part: strings.ToLower(str(c, "part")), ProfilePath: d.ProfilePath(),
		User: str(c, "user")})
	if err != nil {
		return install.Errorf(install.KindUsage, "mdm script: %w", err)
	}
	fmt.Fprint(deps.Stdout, script)
	return nil
}

// givenInstallArgs are the install flags given on the command line, in
// the settings table's order, each as one --name or --name=value word
// whose value is exactly what was given.
func givenInstallArgs(c *cli.Context) []string {
	var args []string
	for _, s := range mdm.Settings() {
		names := []string{s.Flag}
		if s.NoFlag != "" {
			names = append(names, "no-"+s.Flag)
		}
		for _, f := range names {
			if !given(c, f) {
				continue
			}
			switch {
			case s.Type == mdm.TypeBoolean:
				if boolean(c, f) {
					args = append(args, "--"+f)
				} else {
					args = append(args, "--"+f+"=false")
				}
			case s.Type == mdm.TypeStringArray:
				for _, v := range strs(c, f) {
					args = append(args, "--"+f+"="+v)
				}
			default:
				args = append(args, "--"+f+"="+str(c, f))
			}
		}
	}
	return args
}
