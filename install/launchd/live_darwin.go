package launchd

import (
	"bytes"
	"errors"
	"os/exec"
)

// Live returns the runner for the running Mac.
func Live() (Runner, error) { return NewRunner(execLaunchctl, nil), nil }

// execLaunchctl runs the real /bin/launchctl.
func execLaunchctl(args []string) (string, int, error) {
	var out bytes.Buffer
	cmd := exec.Command(launchctl, args...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), ee.ExitCode(), nil
	}
	return out.String(), 0, err
}
