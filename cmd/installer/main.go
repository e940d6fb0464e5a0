// Command installer performs, once and as root, the privileged setup a
// desktop container app needs, for one user (see SPEC.md).
package main

import (
	"context"
	"os"

	"github.com/macfleet/installer/cmd/installer/app"
)

func main() { os.Exit(app.Main(context.Background(), os.Args, app.RealDeps())) }
