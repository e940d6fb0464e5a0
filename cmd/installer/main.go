package main

import (
	"context"
	"os"

	"github.com/macfleet/installer/cmd/installer/app"
)

func main() { os.Exit(app.Main(context.Background(), os.Args, app.RealDeps())) }
