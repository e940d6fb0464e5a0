package mdm

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/macfleet/installer/install/product"
)

// ScriptOptions are the parts of a generated script that do not come from
// the vendor or the install flags.
type ScriptOptions struct {
	// Product names the log directory, /Library/Logs/<product>-installer,
	// beside the installer's own log. Required unless LogDir is set.
	Product string
	// LogDir replaces that directory (an absolute path), for tests and
	// for fleets that collect logs elsewhere.
	LogDir string
	// Part picks one script of a vendor that takes two: kandji "audit"
	// (the default) or "remediation", munki "installcheck" (the default)
	// or "postinstall".
	Part string
	// ProfilePath is the installer's profile on the Macs, for Fleet's
	// osquery policy (default: Docker's).
	ProfilePath string
	// User, when a name (not @console), is the user Fleet's policy wants
	// the profile to name.
	User string
}

// Vendors are the consoles `mdm script` knows, in the order documented.
var Vendors = []string{"jamf", "intune", "kandji", "fleet", "munki"}

// vendorParts are the scripts of the vendors that take two, the default
// first.
var vendorParts = map[string][]string{"kandji": {"audit", "remediation"}, "munki": {"installcheck", "postinstall"}}

// Script returns a ready-to-paste bash script for an MDM vendor (docs/contract.md
// §5), passing args, the install flags, through unchanged:
//
//   - "jamf": a Jamf Pro policy script, `installer jamf ARGS -- "$@"`:
//     Jamf's own arguments follow, and the policy's parameters 4–11 add
//     flags to ARGS;
//   - "intune": a Microsoft Intune shell script running
//     `installer install ARGS`: Intune cannot pass arguments;
//   - "kandji": a Custom Script; the audit part exits 0 when the Mac is
//     healthy and an install with ARGS would change nothing, non-zero on
//     drift (Kandji then runs the remediation part, an install);
//   - "fleet": a script running the install, with, in a comment block, a
//     policy whose osquery query checks the profile with the plist table;
//   - "munki": an installcheck_script (exit 0: install needed, as Munki
//     wants) or a postinstall_script (the install) for a nopkg item.
//
// Every script runs under `set -euo pipefail`, refuses to run as anyone
// but root (exit 3), never reads stdin, logs the installer's output to
// <log dir>/mdm-<vendor>.log as well as to the vendor's own log, and
// exits with the installer's exit code. installerPath must be absolute:
// on a Mac a bare `installer` is Apple's /usr/sbin/installer. The vendor
// is case-insensitive.
func Script(vendor, installerPath string, args []string, opt ScriptOptions) (string, error) {
	vendor = strings.ToLower(vendor)
	if !slices.Contains(Vendors, vendor) {
		return "", fmt.Errorf("mdm script: unknown vendor %q; want one of %s", vendor, strings.Join(Vendors, ", "))
	}
	part := opt.Part
	if parts, ok := vendorParts[vendor]; ok {
		if part == "" {
			part = parts[0]
		}
		if !slices.Contains(parts, part) {
			return "", fmt.Errorf("mdm script: a %s script is one of %s, not %q", vendor, strings.Join(parts, ", "), opt.Part)
		}
	} else if part != "" {
		return "", fmt.Errorf("mdm script: a %s script has no parts; --part is for kandji and munki", vendor)
	}
	if !path.IsAbs(installerPath) {
		return "", fmt.Errorf("mdm script: the installer path must be absolute, got %q", installerPath)
	}
	logDir := opt.LogDir
	switch {
	case logDir != "" && !path.IsAbs(logDir):
		return "", fmt.Errorf("mdm script: the log directory must be absolute, got %q", logDir)
	case logDir == "" && !validProduct(opt.Product):
		return "", fmt.Errorf("mdm script: bad product name %q for the log directory", opt.Product)
	case logDir == "":
		logDir = product.Descriptor{Name: opt.Product}.LogDir()
	}
	for _, s := range append([]string{installerPath, logDir, opt.ProfilePath, opt.User}, args...) {
		if strings.ContainsAny(s, "\n\r") && (s == opt.User || s == opt.ProfilePath) {
			return "", fmt.Errorf("mdm script: %q holds a line break, which a comment line cannot", s)
		}
		if strings.ContainsRune(s, 0) {
			return "", fmt.Errorf("mdm script: %q holds a NUL byte, which no shell word can", s)
		}
	}
	what := "the installer"
	if opt.Product != "" {
		what = "the " + opt.Product + " installer"
	}
	quoted := ""
	for _, a := range args {
		quoted += " " + ShellQuote(a)
	}
	lint := ""
	if len(args) > 0 {
		// Single quotes that keep $, ` and \ literal are the point here.
		lint = "# shellcheck disable=SC1003,SC2016 # the flags are quoted to stay literal\n"
	}
	install := lint + `"$installer" install` + quoted
	var header, run string
	switch vendor {
	case "jamf":
		header = jamfHeader
		run = `"$installer" jamf "$@"`
		if len(args) > 0 {
			run = lint + `"$installer" jamf` + quoted + ` -- "$@"`
		}
		run = tee(run)
	case "intune":
		header, run = intuneHeader, tee(install)
	case "fleet":
		profile := opt.ProfilePath
		if profile == "" {
			return "", fmt.Errorf("mdm script: a fleet policy needs the product's profile path")
		}
		want := "value != ''"
		if opt.User != "" && !ParseUserArg(opt.User) {
			want = "value = '" + strings.ReplaceAll(opt.User, "'", "''") + "'"
		}
		header = strings.NewReplacer("@PROFILE@", strings.ReplaceAll(profile, "'", "''"), "@WANT@", want).Replace(fleetHeader)
		run = tee(install)
	case "kandji":
		if part == "audit" {
			header, run = kandjiAuditHeader, audit(lint, quoted, "")
		} else {
			header, run = kandjiRemediationHeader, tee(install)
		}
	case "munki":
		if part == "installcheck" {
			header, run = munkiCheckHeader, audit(lint, quoted, munkiInvert)
		} else {
			header, run = munkiPostinstallHeader, tee(install)
		}
	}
	name := vendor
	if part != "" {
		name += "-" + part
	}
	return strings.NewReplacer(
		"@HEADER@", header,
		"@WHAT@", what,
		"@VENDOR@", vendor,
		"@NAME@", name,
		"@PART@", partFlag(part),
		"@INSTALLER@", ShellQuote(installerPath),
		"@LOGDIR@", ShellQuote(logDir),
		"@RUN@", run,
	).Replace(scriptBody), nil
}

func partFlag(part string) string {
	if part == "" {
		return ""
	}
	return " --part=" + part
}

// tee runs cmd with its output in the log and the vendor's; rc is its
// exit code.
func tee(cmd string) string {
	return cmd + ` 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}`
}

// audit is the check of Kandji's audit and Munki's installcheck: status
// healthy, and an install with the same flags would change nothing (no
// step of plan --json is "planned"; its "changed" is always false, since
// a plan changes nothing); rc 0 then, else the status code (10 drift, 11
// not installed) or 10.
func audit(lint, quoted, after string) string {
	return `"$installer" status 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
if [[ $rc -eq 0 ]]; then
	` + strings.ReplaceAll(lint, "\n", "\n\t") + `out=$("$installer" plan --json` + quoted + ` 2>>"$log")
	rc=$?
	if [[ $rc -eq 0 && ( $out == *'"action": "planned"'* || $out == *'"action":"planned"'* ) ]]; then
		echo "drift: an install with this script's flags would change this Mac" | tee -a "$log"
		rc=10
	fi
fi` + after
}

const munkiInvert = `
# Munki: exit 0 means "install needed", anything else "installed".
if [[ $rc -eq 0 ]]; then
	rc=1
elif [[ $rc -eq 10 || $rc -eq 11 ]]; then
	rc=0
fi`

// scriptBody is shared by every vendor. The installer's output goes
// through tee so the vendor's own log shows it too; PIPESTATUS, not tee's
// status, is the exit code.
const scriptBody = `#!/bin/bash
# @HEADER@
# Generated by ` + "`installer mdm script --vendor=@VENDOR@@PART@`" + `; runs @WHAT@
# as root, never reads stdin, logs to the file named below, and exits with
# the installer's exit code:
# 0 done, 1 a step failed (undone), 2 bad flags or managed preferences,
# 3 not root, 4 bad user, 5 machine locked to another user, 6 nobody
# logged in (retry later), 7 another run in progress, 8 app not installed,
# 9 unsafe state refused, 10 drift, 11 not installed, 127 installer missing.
set -euo pipefail
exec </dev/null
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH

installer=@INSTALLER@
log_dir=@LOGDIR@
log="$log_dir/mdm-@NAME@.log"

if [[ $EUID -ne 0 ]]; then
	echo "this script must run as root, as the MDM agent runs it; try: sudo bash $0" >&2
	exit 3
fi
if [[ ! -x $installer ]]; then
	echo "the installer is not at $installer; deploy its package before this script" >&2
	exit 127
fi

mkdir -p "$log_dir"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) mdm-@NAME@: start" >>"$log"
set +e
@RUN@
set -e
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) mdm-@NAME@: exit $rc" >>"$log"
exit "$rc"
`

const jamfHeader = `Jamf Pro policy script. Add it under Settings > Scripts and to a policy;
# Jamf runs it as: script MOUNT COMPUTER USER P4 ... P11. The flags given
# to mdm script are below; parameters 4-11 add one install flag each
# (--kubernetes, --allowed-org=acme, --user=@console ...); parameter 3,
# the user Jamf reports, is used when no flag sets --user.`

const kandjiAuditHeader = `Kandji Custom Script (Library > Add > Custom Script), the Audit Script.
# It exits 0 when this Mac is healthy and an install with the flags below
# would change nothing, non-zero on drift; Kandji then runs the
# Remediation Script: installer mdm script --vendor=kandji --part=remediation
# with the same flags. Set Execution Frequency to "Every 15 minutes".`

const kandjiRemediationHeader = `Kandji Custom Script, the Remediation Script: it installs with the flags
# below. Pair it with the Audit Script (installer mdm script
# --vendor=kandji --part=audit, same flags).`

const munkiCheckHeader = `Munki installcheck_script for a nopkg item (installer_type: nopkg):
# exit 0 means "install needed" (this Mac drifted, or an install with the
# flags below would change it), anything else "installed". Pair it with
# the postinstall_script: installer mdm script --vendor=munki --part=postinstall`

const munkiPostinstallHeader = `Munki postinstall_script for a nopkg item: it installs with the flags
# below. Pair it with the installcheck_script (installer mdm script
# --vendor=munki --part=installcheck, same flags).`

const fleetHeader = `Fleet script (Controls > Scripts > Add script). Pair it with this
# policy (Policies > Add policy > Custom SQL), and set the policy's
# automation to run this script when the policy fails:
#
#   name: installer profile present
#   platform: darwin
#   query: >-
#     SELECT 1 FROM plist
#     WHERE path = '@PROFILE@'
#     AND key = 'User' AND @WANT@;
#   description: the installer has set this Mac up for one user
#   resolution: run this script
#
# The query passes when the installer's profile names the user.`

const intuneHeader = `Microsoft Intune shell script (Devices > macOS > Shell scripts). Set
# "Run script as signed-in user" to No: it must run as root. Intune passes
# no arguments, so the install flags are baked in below; to change them,
# regenerate this script or deliver them as managed preferences
# (installer mdm profile).`

// ShellQuote returns s as one bash word that expands to exactly s: left
// bare when it holds only characters no shell treats specially, else in
// single quotes, each ' written as '\”. s must not contain NUL, which no
// shell word can hold.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, shellSafe) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

const shellSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-"

func validProduct(s string) bool {
	if s == "" || s[0] == '.' || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
