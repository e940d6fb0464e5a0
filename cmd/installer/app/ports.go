package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/helper"
	"github.com/macfleet/installer/install"
)

func portsCommand(deps Deps) *cli.Command {
	return &cli.Command{
		Name:  "ports",
		Usage: "bind ports the way the app's backend does (directly, else through vmnetd)",
		Subcommands: []*cli.Command{{
			Name:      "check",
			Usage:     "bind ADDR:PORT and report how; with --serve, answer connections until interrupted",
			UsageText: "installer ports check [--serve] tcp|udp ADDR:PORT",
			Flags: withGlobals(&cli.BoolFlag{Name: "serve", Usage: "answer each TCP connection (or UDP datagram) with a one-line banner until SIGINT/SIGTERM"},
				&cli.StringFlag{Name: "socket", Usage: "helper socket (default: the product's, inside --root)"}),
			Action:       func(c *cli.Context) error { return runPortsCheck(c, deps) },
			OnUsageError: usageError,
		}},
	}
}

func policyCommand(deps Deps) *cli.Command {
	sock := &cli.StringFlag{Name: "socket", Usage: "helper socket (default: the product's, inside --root)"}
	return &cli.Command{
		Name:  "policy",
		Usage: "the Registry Access Management policy cached by vmnetd",
		Subcommands: []*cli.Command{
			{Name: "get", Usage: "print the cached policy", Flags: withGlobals(sock), OnUsageError: usageError,
				Action: func(c *cli.Context) error { return runPolicy(c, deps, "") }},
			{Name: "set", Usage: "send a policy (plain JSON as root, or signed with the pinned key)", UsageText: "installer policy set FILE",
				Flags: withGlobals(sock), OnUsageError: usageError,
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return install.Errorf(install.KindUsage, "policy set takes one FILE")
					}
					return runPolicy(c, deps, c.Args().First())
				}},
		},
	}
}

// helperClient talks to the product's vmnetd inside --root.
func helperClient(c *cli.Context) (helper.Client, error) {
	if s := str(c, "socket"); s != "" {
		return helper.Client{Socket: s}, nil
	}
	d, err := loadProduct(c)
	if err != nil {
		return helper.Client{}, err
	}
	dir, err := rootDir(c)
	if err != nil {
		return helper.Client{}, err
	}
	return helper.Client{Socket: filepath.Join(dir, d.HelperSocket)}, nil
}

func runPortsCheck(c *cli.Context, deps Deps) error {
	if c.NArg() != 2 {
		return install.Errorf(install.KindUsage, "ports check takes tcp|udp and ADDR:PORT")
	}
	proto, addr := c.Args().Get(0), c.Args().Get(1)
	if proto != "tcp" && proto != "udp" {
		return install.Errorf(install.KindUsage, "ports check: protocol %q: must be tcp or udp", proto)
	}
	if _, err := helper.ParseAddr(addr); err != nil {
		return install.Errorf(install.KindUsage, "ports check: %v", err)
	}
	cl, err := helperClient(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var (
		ln  net.Listener
		pc  net.PacketConn
		via helper.Via
	)
	if proto == "tcp" {
		ln, via, err = cl.ListenTCP(ctx, addr)
	} else {
		pc, via, err = cl.ListenUDP(ctx, addr)
	}
	if err != nil {
		return install.Errorf(install.KindFailed, "%w", err)
	}
	how := "direct"
	if via == helper.ViaHelper {
		how = "via helper"
	}
	fmt.Fprintf(deps.Stdout, "bound %s %s %s\n", proto, addr, how)
	banner := fmt.Sprintf("hello from installer ports check (%s %s, %s)\n", proto, addr, how)
	if !boolean(c, "serve") {
		if ln != nil {
			return ln.Close()
		}
		return pc.Close()
	}
	go func() { <-ctx.Done(); closeEither(ln, pc) }()
	if ln != nil {
		return serveTCP(ctx, ln, banner)
	}
	return serveUDP(ctx, pc, banner)
}

func closeEither(ln net.Listener, pc net.PacketConn) {
	if ln != nil {
		ln.Close()
	}
	if pc != nil {
		pc.Close()
	}
}

func serveTCP(ctx context.Context, ln net.Listener, banner string) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return install.Errorf(install.KindFailed, "accept: %w", err)
		}
		_, _ = conn.Write([]byte(banner))
		conn.Close()
	}
}

func serveUDP(ctx context.Context, pc net.PacketConn, banner string) error {
	buf := make([]byte, 2048)
	for {
		_, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return install.Errorf(install.KindFailed, "read: %w", err)
		}
		_, _ = pc.WriteTo([]byte(banner), from)
	}
}

func runPolicy(c *cli.Context, deps Deps, file string) error {
	cl, err := helperClient(c)
	if err != nil {
		return err
	}
	if err := needOurHelper(c, deps); err != nil {
		return err
	}
	if file == "" {
		data, err := cl.Policy(c.Context)
		if errors.Is(err, helper.ErrNoPolicy) {
			return install.Errorf(install.KindFailed, "no policy is cached")
		}
		if err != nil {
			return install.Errorf(install.KindFailed, "policy get: %w", err)
		}
		fmt.Fprintln(deps.Stdout, strings.TrimRight(string(data), "\n"))
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return install.Errorf(install.KindUsage, "policy set: %w", err)
	}
	if err := cl.SetPolicy(c.Context, data); err != nil {
		return install.Errorf(install.KindFailed, "policy set %s: %w", file, err)
	}
	fmt.Fprintf(deps.Stdout, "policy stored\n")
	return nil
}

// needOurHelper refuses policy get|set when the helper installed is the
// app's own (docs/contract.md §4 step 8): it keeps no policy cache and
// knows none of our commands.
func needOurHelper(c *cli.Context, deps Deps) error {
	if str(c, "socket") != "" {
		return nil // a helper named by its socket: asked as it is
	}
	d, err := loadProduct(c)
	if err != nil {
		return err
	}
	dir, err := rootDir(c)
	if err != nil {
		return err
	}
	fsys, err := deps.OpenRoot(dir)
	if err != nil {
		return nil // the request itself will say what is wrong
	}
	if install.AppsOwnHelper(fsys, d) {
		return install.Errorf(install.KindFailed, "policy %s needs the installer's own helper, but %s runs the app's own helper %s, which keeps no policy; install ours with --privileged-ports --helper-binary PATH",
			c.Command.Name, d.HelperPlist(), d.HelperLabel)
	}
	return nil
}
