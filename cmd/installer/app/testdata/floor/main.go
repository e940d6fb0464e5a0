package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
)

func main() {
	if len(os.Args) > 3 && os.Args[1] == "-measure" {
		os.Exit(measure(os.Args[2], os.Args[3], os.Args[4:]))
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor FILE | floor -measure OUT CMD ARGS...")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err == nil {
		err = renameio.WriteFile(os.Args[1], data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func measure(out, name string, args []string) int {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	el := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss)
	}
	if werr := os.WriteFile(out, fmt.Appendf(nil, "%d %d\n", el.Nanoseconds(), rss), 0o644); werr != nil {
		fmt.Fprintln(os.Stderr, "floor:", werr)
		return 1
	}
	return cmd.ProcessState.ExitCode()
}
