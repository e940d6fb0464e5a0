// This code runs as root inside vmnetd: it decides how a requested port is
// bound so that the socket handed to the user never shadows a port that
// another process already listens on (docs/contract.md §8, no port shadowing).

package helper

import (
	"net/netip"
)

// bindPlan is how one bind request is carried out: which options the
// socket gets and which probe binds come first.
//
// Every probe is a socket of the request's family and transport, with
// SO_REUSEADDR, bound to one address and the requested port before the
// real bind and held until the real bind is done (so nobody can take the
// probed address in between). A probe that meets EADDRINUSE refuses the
// request with status 48; EADDRNOTAVAIL (the address went away) skips it.
type bindPlan struct {
	ReuseAddr bool             // SO_REUSEADDR on the socket handed over
	V6Only    bool             // IPV6_V6ONLY (IPv6 requests)
	Probes    []netip.AddrPort // in order; empty: bind at once
}

// planBind is the no-shadowing rule, a pure function of the platform, the
// request and the local addresses (only used for a wildcard TCP request
// on a BSD kernel).
//
// TCP sockets need SO_REUSEADDR, or a port with connections of an earlier
// listener in TIME_WAIT could not be bound again for minutes.
//
//   - Linux: SO_REUSEADDR never lets a socket share a port with a
//     listening socket on an overlapping address (specific vs wildcard),
//     whoever owns it, so the kernel's own check says 48: no probe.
//   - darwin (xnu) and the other BSDs: SO_REUSEADDR turns in_pcbbind's
//     check into an exact-address match, and root's sockets skip the
//     cross-uid check, so root could bind 127.0.0.1:80 under another
//     process's *:80 and take its loopback traffic. The probes redo the
//     overlapping check for listening and bound sockets only (an exact
//     lookup never matches a connection in TIME_WAIT, which has a foreign
//     address): a specific address probes the wildcard address, the
//     wildcard address probes every local address of its family.
//   - UDP gets no SO_REUSEADDR anywhere (it has no TIME_WAIT), so every
//     kernel checks overlapping addresses itself: no probe.
func planBind(goos string, req Request, local []netip.Addr) bindPlan {
	p := bindPlan{V6Only: req.Addr.Is6()}
	if req.Proto != TCP {
		return p
	}
	p.ReuseAddr = true
	if goos == "linux" {
		return p
	}
	if !req.Addr.IsUnspecified() {
		any := netip.IPv4Unspecified()
		if req.Addr.Is6() {
			any = netip.IPv6Unspecified()
		}
		p.Probes = []netip.AddrPort{netip.AddrPortFrom(any, req.Port)}
		return p
	}
	seen := map[netip.Addr]bool{}
	loop := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	if req.Addr.Is6() {
		loop = netip.IPv6Loopback()
	}
	for _, a := range append([]netip.Addr{loop}, local...) {
		a = a.Unmap()
		switch {
		case a.Is4() != req.Addr.Is4(), a.IsUnspecified(), seen[a]:
			continue
		case a.Is6() && (a.IsLinkLocalUnicast() || a.Zone() != ""):
			// Cannot be bound without its zone, which the wire format
			// cannot carry either; such a listener is out of reach.
			continue
		}
		seen[a] = true
		p.Probes = append(p.Probes, netip.AddrPortFrom(a, req.Port))
	}
	return p
}
