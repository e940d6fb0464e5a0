package helper

import (
	"os/exec"

	"golang.org/x/sys/unix"
)

// allowLowPorts lets a child of another uid bind below 1024 (Linux only:
// the stranger must hold a port for the no-shadowing test).
func allowLowPorts(cmd *exec.Cmd) {
	cmd.SysProcAttr.AmbientCaps = []uintptr{unix.CAP_NET_BIND_SERVICE}
}
