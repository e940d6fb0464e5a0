package launchd

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// launchctl is the absolute path: root never looks a program up in PATH.
const launchctl = "/bin/launchctl"

// Live returns the runner for the running Mac.
func Live() (Runner, error) { return live{}, nil }

type live struct{}

func run(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(launchctl, args...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		return text, fmt.Errorf("%s %s: %w: %s", launchctl, strings.Join(args, " "), err, text)
	}
	return text, nil
}

func (live) Bootstrap(plistPath string) error {
	_, err := run(bootstrapArgs(plistPath)...)
	return err
}

// Bootout treats "No such process" (exit 3) and "Could not find service"
// (exit 113) as success: the job is already gone.
func (live) Bootout(label string) error {
	_, err := run(bootoutArgs(label)...)
	var ee *exec.ExitError
	if errors.As(err, &ee) && (ee.ExitCode() == 3 || ee.ExitCode() == 113) {
		return nil
	}
	return err
}

func (live) Print(label string) (string, error) {
	out, err := run(printArgs(label)...)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 113 {
		return "", ErrNotLoaded
	}
	return out, err
}
