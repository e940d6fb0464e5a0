package app

import "github.com/macfleet/installer/install/launchd"

// hangingPrint is a launchd whose `launchctl print` never answers
// (INSTALLER_TEST_LAUNCHCTL_HANG=1): diagnose must still finish in time.
type hangingPrint struct{ launchd.Runner }

func (hangingPrint) Print(string) (string, error) { select {} }
