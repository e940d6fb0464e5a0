//go:build !linux

package helper

import "os/exec"

// allowLowPorts: ports below 1024 need no capability for 0.0.0.0 on macOS;
// these tests run as root on Linux only.
func allowLowPorts(cmd *exec.Cmd) {}
