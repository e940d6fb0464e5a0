package launchd

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// Runner is the part of launchctl the installer uses, always in the system
// domain. Every method classifies launchctl's exit code with Classify.
type Runner interface {
	// Bootstrap loads the LaunchDaemon plist at path (a live path):
	// ErrLoaded when the label is already loaded, ErrDisabled when it is
	// disabled, ErrBadPlist when launchd refuses the file.
	Bootstrap(plistPath string) error
	// Bootout unloads the job; a job that is not loaded is not an error.
	Bootout(label string) error
	// Print describes the job, or returns ErrNotLoaded.
	Print(label string) (string, error)
	// Enable clears a disabled override (`launchctl enable`), which
	// launchd keeps across boots and across bootout.
	Enable(label string) error
	// Disabled reports whether the label is disabled (Login Items, or an
	// earlier `launchctl disable` / `unload -w`).
	Disabled(label string) (bool, error)
	// Disable sets the disabled override again (to undo an Enable).
	Disable(label string) error
	// Kickstart restarts a loaded job (`kickstart -k`): ErrNotLoaded if it
	// is not loaded.
	Kickstart(label string) error
	// Rebootstrap is Bootstrap right after a Bootout: launchd may still be
	// tearing the old job down and answer 5 or 37, so those are retried
	// for up to RetryFor.
	Rebootstrap(plistPath string) error
}

// RetryFor is how long Rebootstrap retries, RetryEvery how often.
const (
	RetryFor   = 5 * time.Second
	RetryEvery = 250 * time.Millisecond
)

// The launchctl argument vectors, shared by the live runner and the
// model so that what tests see is what the Mac runs.
func bootstrapArgs(plistPath string) []string { return []string{"bootstrap", "system", plistPath} }
func bootoutArgs(label string) []string       { return []string{"bootout", "system/" + label} }
func printArgs(label string) []string         { return []string{"print", "system/" + label} }
func enableArgs(label string) []string        { return []string{"enable", "system/" + label} }
func disableArgs(label string) []string       { return []string{"disable", "system/" + label} }
func kickstartArgs(label string) []string     { return []string{"kickstart", "-k", "system/" + label} }
func printDisabledArgs() []string             { return []string{"print-disabled", "system"} }

// What an exit code of launchctl means (docs/macos.md, launchd).
var (
	// ErrNotLoaded: the label is not loaded (3 "No such process" or 113
	// "Could not find specified service").
	ErrNotLoaded = errors.New("job not loaded")
	// ErrLoaded: bootstrap failed with 5 "Input/output error" (37 on some
	// releases), which launchd answers when the label is already loaded.
	ErrLoaded = errors.New("already loaded (or refused by launchd)")
	// ErrDisabled: bootstrap of a disabled label (119 "Service is
	// disabled") until `launchctl enable`.
	ErrDisabled = errors.New("service is disabled")
	// ErrBadPlist: 122 "Path had bad ownership/permissions": the plist is
	// not root-owned, or is group/world-writable.
	ErrBadPlist = errors.New("plist has bad ownership or permissions")
	// ErrFailed: any other non-zero exit.
	ErrFailed = errors.New("launchctl failed")
)

// Classify is the one reading of launchctl's exit codes, used by the live
// runner and by the model alike: nil for 0, else one of the Err values.
func Classify(verb string, code int) error {
	switch {
	case code == 0:
		return nil
	case verb == "bootstrap" && (code == 5 || code == 37):
		return ErrLoaded
	case verb == "bootstrap" && code == 119:
		return ErrDisabled
	case verb == "bootstrap" && code == 122:
		return ErrBadPlist
	case (verb == "bootout" || verb == "print" || verb == "kickstart") && (code == 3 || code == 113):
		return ErrNotLoaded
	}
	return ErrFailed
}

// Error is a launchctl command that exited non-zero.
type Error struct {
	Args   []string
	Code   int
	Output string
	Kind   error // what Classify made of Code
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: exit %d (%v)", launchctl, strings.Join(e.Args, " "), e.Code, e.Kind)
	if e.Output != "" {
		msg += ": " + e.Output
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Kind }

// launchctl is the absolute path: root never looks a program up in PATH.
const launchctl = "/bin/launchctl"

// Exec runs launchctl with args and returns its combined output and exit
// code; err is for a launchctl that could not be run at all.
type Exec func(args []string) (out string, code int, err error)

// NewRunner is the Runner over an Exec: the real launchctl or the Model.
// sleep waits between the retries of Rebootstrap (nil: time.Sleep); the
// model passes its own clock, so that tests stay fast.
func NewRunner(x Exec, sleep func(time.Duration)) Runner {
	if sleep == nil {
		sleep = time.Sleep
	}
	return runner{x, sleep}
}

type runner struct {
	exec  Exec
	sleep func(time.Duration)
}

func (r runner) run(args []string) (string, error) {
	out, code, err := r.exec(args)
	out = strings.TrimSpace(out)
	if err != nil {
		return out, fmt.Errorf("%s %s: %w", launchctl, strings.Join(args, " "), err)
	}
	if kind := Classify(args[0], code); kind != nil {
		return out, &Error{Args: args, Code: code, Output: out, Kind: kind}
	}
	return out, nil
}

func (r runner) Bootstrap(plistPath string) error {
	_, err := r.run(bootstrapArgs(plistPath))
	return err
}

func (r runner) Bootout(label string) error {
	_, err := r.run(bootoutArgs(label))
	if errors.Is(err, ErrNotLoaded) {
		return nil // already gone
	}
	return err
}

func (r runner) Print(label string) (string, error) { return r.run(printArgs(label)) }

func (r runner) Enable(label string) error {
	_, err := r.run(enableArgs(label))
	return err
}

func (r runner) Disable(label string) error {
	_, err := r.run(disableArgs(label))
	return err
}

func (r runner) Rebootstrap(plistPath string) error {
	for waited := time.Duration(0); ; waited += RetryEvery {
		err := r.Bootstrap(plistPath)
		if !errors.Is(err, ErrLoaded) || waited >= RetryFor {
			return err
		}
		r.sleep(RetryEvery)
	}
}

func (r runner) Kickstart(label string) error {
	_, err := r.run(kickstartArgs(label))
	return err
}

func (r runner) Disabled(label string) (bool, error) {
	out, err := r.run(printDisabledArgs())
	if err != nil {
		return false, err
	}
	return ParseDisabled(out, label), nil
}

// ParseDisabled reads `launchctl print-disabled system`: lines such as
// `"com.docker.vmnetd" => disabled` (macOS 13+) or `=> true` (older
// releases, where true meant disabled).
func ParseDisabled(out, label string) bool {
	for _, l := range strings.Split(out, "\n") {
		name, val, ok := strings.Cut(strings.TrimSpace(l), "=>")
		if !ok || strings.Trim(strings.TrimSpace(name), `"`) != label {
			continue
		}
		v := strings.TrimSpace(val)
		return v == "disabled" || v == "true"
	}
	return false
}

// Refuses says why launchd would refuse to load a LaunchDaemon plist with
// this owner and mode, or "": it must be a regular file owned by root and
// not writable by group or others.
func Refuses(uid uint32, mode fs.FileMode) string {
	switch {
	case !mode.IsRegular():
		return "not a regular file"
	case uid != 0:
		return fmt.Sprintf("owned by uid %d", uid)
	case mode.Perm()&0o022 != 0:
		return fmt.Sprintf("writable by group or others (mode %04o)", mode.Perm())
	}
	return ""
}
