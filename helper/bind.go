// This code runs as root inside vmnetd: it creates the sockets it hands to
// the user, so every rule of docs/contract.md §8 about what may be bound is here.

package helper

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// bindError carries the status a refused or failed bind replies with.
type bindError struct {
	status Status
	kind   string // a fixed phrase for the log summary; "" reads from status
	err    error
}

func (e *bindError) Error() string { return e.err.Error() }
func (e *bindError) Unwrap() error { return e.err }

func refuse(kind, format string, args ...any) error {
	return &bindError{StatusFailed, kind, fmt.Errorf(format, args...)}
}

// refusalKind is the log summary's phrase for a refused or failed bind.
func refusalKind(err error) string {
	var be *bindError
	if errors.As(err, &be) {
		switch {
		case be.kind != "":
			return be.kind
		case be.status == StatusAddrInUse:
			return "address in use"
		case be.status == StatusAddrNotAvail:
			return "address not available"
		}
	}
	return "failed"
}

// checkBind applies the rules that do not need a socket: ports 1–1023 only
// (the client binds the others itself), and local addresses only.
func checkBind(req Request, localAddrs func() ([]netip.Addr, error)) error {
	if req.Port == 0 || req.Port >= 1024 {
		return refuse("port not privileged", "port %d is not privileged (1-1023 only)", req.Port)
	}
	a := req.Addr
	switch {
	case a.Is4In6(), a.Zone() != "":
		return refuse("address not plain", "address %v must be sent as plain IPv4 or IPv6", a)
	case a.IsMulticast(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return refuse("multicast or broadcast address", "address %v is a multicast or broadcast address", a)
	case a.IsLinkLocalUnicast() && a.Is6():
		// Needs a scope id the wire format cannot carry.
		return &bindError{StatusAddrNotAvail, "", fmt.Errorf("link-local address %v needs a zone", a)}
	case a.IsLoopback(), a.IsUnspecified():
		return nil
	}
	addrs, err := localAddrs()
	if err != nil {
		return refuse("cannot list local addresses", "listing local addresses: %w", err)
	}
	for _, l := range addrs {
		if l == a {
			return nil
		}
	}
	return &bindError{StatusAddrNotAvail, "", fmt.Errorf("address %v is not assigned to a local interface", a)}
}

// interfaceAddrs lists the addresses assigned to local interfaces.
func interfaceAddrs() ([]netip.Addr, error) {
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(ifs))
	for _, ia := range ifs {
		if n, ok := ia.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, a.Unmap())
			}
		}
	}
	return out, nil
}

// bindSocket carries out plan (bindplan.go) for req and returns the fd of
// the bound socket. TCP sockets are listening when returned; SO_REUSEPORT
// is never set, so nobody can share a port someone else holds. IPv6
// sockets are IPv6-only: 0.0.0.0 and :: are separate requests.
func bindSocket(req Request, plan bindPlan) (int, error) {
	var probes []int
	defer func() {
		for _, p := range probes {
			unix.Close(p)
		}
	}()
	for _, ap := range plan.Probes {
		pr := Request{Addr: ap.Addr(), Port: ap.Port(), Proto: req.Proto}
		fd, err := openBound(pr, bindPlan{ReuseAddr: true, V6Only: ap.Addr().Is6()}, false)
		if err != nil {
			if statusOf(err) == StatusAddrNotAvail {
				continue // the address went away: nobody holds it
			}
			var be *bindError
			if errors.As(err, &be) && be.status == StatusAddrInUse {
				return -1, &bindError{StatusAddrInUse, "port held on an overlapping address",
					fmt.Errorf("another socket holds port %d on %v, which overlaps %v", req.Port, ap.Addr(), req.Addr)}
			}
			return -1, err
		}
		probes = append(probes, fd)
	}
	return openBound(req, plan, req.Proto == TCP)
}

// openBound creates a socket for req with plan's options, binds it and,
// when listen is set, makes it listen.
func openBound(req Request, plan bindPlan, listen bool) (int, error) {
	family, typ := unix.AF_INET, unix.SOCK_STREAM
	if req.Addr.Is6() {
		family = unix.AF_INET6
	}
	if req.Proto == UDP {
		typ = unix.SOCK_DGRAM
	}
	fd, err := newSocket(family, typ)
	if err != nil {
		return -1, &bindError{StatusFailed, "socket failed", fmt.Errorf("socket: %w", err)}
	}
	if err := setupAndBind(fd, req, plan, listen); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func setupAndBind(fd int, req Request, plan bindPlan, listen bool) error {
	var sa unix.Sockaddr
	if req.Addr.Is4() {
		sa = &unix.SockaddrInet4{Port: int(req.Port), Addr: req.Addr.As4()}
	} else {
		if plan.V6Only {
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
				return refuse("setsockopt failed", "IPV6_V6ONLY: %w", err)
			}
		}
		sa = &unix.SockaddrInet6{Port: int(req.Port), Addr: req.Addr.As16()}
	}
	if plan.ReuseAddr {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return refuse("setsockopt failed", "SO_REUSEADDR: %w", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return &bindError{errnoStatus(err), "", fmt.Errorf("bind: %w", err)}
	}
	if listen {
		if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
			return &bindError{errnoStatus(err), "", fmt.Errorf("listen: %w", err)}
		}
	}
	return nil
}

// errnoStatus translates the host's errno to the macOS numbers vpnkit
// clients expect (Linux says 98 and 99 for these two).
func errnoStatus(err error) Status {
	switch {
	case errors.Is(err, unix.EADDRINUSE):
		return StatusAddrInUse
	case errors.Is(err, unix.EADDRNOTAVAIL):
		return StatusAddrNotAvail
	}
	return StatusFailed
}
