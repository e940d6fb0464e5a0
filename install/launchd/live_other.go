//go:build !darwin

package launchd

import (
	"fmt"
	"runtime"
)

// Live explains why there is no live runner: only macOS has launchd. A
// live install elsewhere is a mistake; an image install wants --root.
func Live() (Runner, error) {
	return nil, fmt.Errorf("live install needs launchd, which %s does not have; pass --root DIR to install into a mounted macOS image or tree", runtime.GOOS)
}
