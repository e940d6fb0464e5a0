package helper

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"
)

// Via says how a port was bound.
type Via string

const (
	ViaDirect Via = "direct"
	ViaHelper Via = "helper"
)

// clientCommit is the commit id our client sends; vmnetd only logs it.
const clientCommit = "0000000000000000000000000000000000000000"

// Client talks to vmnetd. The zero Timeout means DefaultTimeout per request
// (a deadline on ctx wins when sooner).
type Client struct {
	Socket  string
	Timeout time.Duration
}

// PortError is a failure to expose a port, worded as Docker words it so
// users and scripts recognise it.
type PortError struct {
	Proto Proto
	Addr  netip.AddrPort
	Err   error
}

func (e *PortError) Error() string {
	return fmt.Sprintf("Ports are not available: exposing port %s %s -> 0.0.0.0:0: %v",
		strings.ToUpper(e.Proto.String()), e.Addr, e.Err)
}

func (e *PortError) Unwrap() error { return e.Err }

// StatusError is a non-zero status from vmnetd, with its message when the
// command carries one. errors.Is matches EADDRINUSE and EADDRNOTAVAIL.
type StatusError struct {
	Status  Status
	Message string
}

func (e *StatusError) Error() string {
	switch {
	case e.Message != "":
		return "vmnetd: " + e.Message
	case e.Status == StatusAddrInUse:
		return "vmnetd: address already in use"
	case e.Status == StatusAddrNotAvail:
		return "vmnetd: address not available"
	}
	return fmt.Sprintf("vmnetd refused the request (status %d); its log says why", uint64(e.Status))
}

func (e *StatusError) Is(target error) bool {
	return (e.Status == StatusAddrInUse && target == syscall.EADDRINUSE) ||
		(e.Status == StatusAddrNotAvail && target == syscall.EADDRNOTAVAIL)
}

// ParseAddr accepts "IP:PORT", "[IPv6]:PORT" and ":PORT" (0.0.0.0).
func ParseAddr(s string) (netip.AddrPort, error) {
	if strings.HasPrefix(s, ":") {
		s = "0.0.0.0" + s
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q is not IP:PORT: %w", s, err)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// ListenTCP binds addr the way the app's backend does: directly first, and
// through vmnetd only when the kernel says permission denied.
func (c Client) ListenTCP(ctx context.Context, addr string) (net.Listener, Via, error) {
	ap, err := ParseAddr(addr)
	if err != nil {
		return nil, "", err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, netFor("tcp", ap), ap.String())
	if err == nil {
		return ln, ViaDirect, nil
	}
	if !errors.Is(err, os.ErrPermission) {
		return nil, "", &PortError{TCP, ap, err}
	}
	f, err := c.Bind(ctx, TCP, ap)
	if err != nil {
		return nil, "", &PortError{TCP, ap, err}
	}
	defer f.Close() // FileListener holds its own dup
	ln, err = net.FileListener(f)
	if err != nil {
		return nil, "", &PortError{TCP, ap, fmt.Errorf("using the socket from vmnetd: %w", err)}
	}
	return ln, ViaHelper, nil
}

// ListenUDP is ListenTCP for datagrams.
func (c Client) ListenUDP(ctx context.Context, addr string) (net.PacketConn, Via, error) {
	ap, err := ParseAddr(addr)
	if err != nil {
		return nil, "", err
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, netFor("udp", ap), ap.String())
	if err == nil {
		return pc, ViaDirect, nil
	}
	if !errors.Is(err, os.ErrPermission) {
		return nil, "", &PortError{UDP, ap, err}
	}
	f, err := c.Bind(ctx, UDP, ap)
	if err != nil {
		return nil, "", &PortError{UDP, ap, err}
	}
	defer f.Close() // FilePacketConn holds its own dup
	pc, err = net.FilePacketConn(f)
	if err != nil {
		return nil, "", &PortError{UDP, ap, fmt.Errorf("using the socket from vmnetd: %w", err)}
	}
	return pc, ViaHelper, nil
}

// netFor picks tcp4/tcp6 so 0.0.0.0 stays IPv4-only, as vmnetd binds it.
func netFor(base string, ap netip.AddrPort) string {
	if ap.Addr().Is4() {
		return base + "4"
	}
	return base + "6"
}

// Bind asks vmnetd for a bound socket (listening, for TCP) and returns it.
// The caller owns the file.
func (c Client) Bind(ctx context.Context, p Proto, ap netip.AddrPort) (*os.File, error) {
	req := Request{Command: CmdBindIPv4, Addr: ap.Addr(), Port: ap.Port(), Proto: p}
	if ap.Addr().Is6() {
		req.Command = CmdBindIPv6
	}
	conn, err := c.start(ctx, req)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	st, fd, err := readBindReply(conn)
	if err != nil {
		return nil, err
	}
	if st != StatusOK {
		err := &StatusError{Status: st}
		if st == StatusAddrInUse || st == StatusAddrNotAvail {
			errno := syscall.EADDRINUSE
			if st == StatusAddrNotAvail {
				errno = syscall.EADDRNOTAVAIL
			}
			var addr net.Addr = net.TCPAddrFromAddrPort(ap)
			if p == UDP {
				addr = net.UDPAddrFromAddrPort(ap)
			}
			return nil, &net.OpError{Op: "listen", Net: p.String(), Addr: addr, Err: os.NewSyscallError("bind", errno)}
		}
		return nil, err
	}
	return os.NewFile(uintptr(fd), fmt.Sprintf("vmnetd:%s:%s", p, ap)), nil
}

// clientConn is a connection to vmnetd tied to a context.
type clientConn struct {
	*net.UnixConn
	stop func() bool
}

func (c *clientConn) Close() error {
	c.stop()
	return c.UnixConn.Close()
}

// readHello reads exactly the server's hello: reading further with a
// plain read could swallow a descriptor that comes with the reply.
func readHello(conn *clientConn) error {
	var h [HelloSize]byte
	_, err := io.ReadFull(conn, h[:])
	if err == nil {
		_, err = ParseHello(h[:])
	}
	if err != nil {
		return closedHint(fmt.Errorf("vmnetd handshake: %w", err))
	}
	return nil
}

// fdReader reads with recvmsg only, so a descriptor that comes with the
// bytes is never dropped by a plain read; it keeps the first descriptor
// and closes (and reports) any other, never leaking one.
type fdReader struct {
	conn *clientConn
	oob  []byte
	fd   int
}

func newFDReader(conn *clientConn) *fdReader {
	return &fdReader{conn: conn, oob: make([]byte, syscall.CmsgSpace(4*4)), fd: -1}
}

// readFull fills dst.
func (r *fdReader) readFull(dst []byte) error {
	for got := 0; got < len(dst); {
		n, oobn, flags, _, err := r.conn.ReadMsgUnix(dst[got:], r.oob)
		if oobn > 0 {
			fds, perr := parseRights(r.oob[:oobn])
			for _, f := range fds {
				if r.fd < 0 {
					r.fd = f
				} else {
					syscall.Close(f)
					perr = errors.New("vmnetd sent more than one file descriptor")
				}
			}
			if perr != nil {
				return perr
			}
		}
		if flags&syscall.MSG_CTRUNC != 0 {
			return errors.New("vmnetd sent more file descriptors than expected")
		}
		if err != nil {
			return closedHint(fmt.Errorf("reading vmnetd's reply: %w", err))
		}
		if n == 0 {
			return closedHint(fmt.Errorf("reading vmnetd's reply: %w", errClosed))
		}
		got += n
	}
	return nil
}

// closeFD drops the descriptor, if any.
func (r *fdReader) closeFD() {
	if r.fd >= 0 {
		syscall.Close(r.fd)
		r.fd = -1
	}
}

// readBindReply reads the server's hello, then the 8-byte status and the
// fd that comes with it, with recvmsg only, so one read can take both when
// they are there.
func readBindReply(conn *clientConn) (Status, int, error) {
	var buf [HelloSize + 8]byte
	r := newFDReader(conn)
	fail := func(err error) (Status, int, error) {
		r.closeFD()
		return 0, -1, err
	}
	if err := r.readFull(buf[:]); err != nil {
		return fail(err)
	}
	fd := r.fd
	if _, err := ParseHello(buf[:HelloSize]); err != nil {
		return fail(fmt.Errorf("vmnetd handshake: %w", err))
	}
	st := Status(binary.LittleEndian.Uint64(buf[HelloSize:]))
	switch {
	case st == StatusOK && fd < 0:
		return fail(errors.New("vmnetd reported success but sent no socket"))
	case st != StatusOK && fd >= 0:
		syscall.Close(fd)
		fd = -1
	}
	return st, fd, nil
}

func parseRights(oob []byte) ([]int, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("vmnetd's control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		f, err := syscall.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		fds = append(fds, f...)
	}
	return fds, nil
}

// dial connects to vmnetd with the deadline of the whole exchange: the
// client's timeout, or ctx's deadline when that comes first.
func (c Client) dial(ctx context.Context) (net.Conn, time.Time, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	nc, err := dialVmnetd(ctx, c.Socket, deadline)
	if err != nil {
		return nil, deadline, fmt.Errorf("failed to connect to %s: is vmnetd running?: %w", c.Socket, err)
	}
	return nc, deadline, nil
}

// start dials and sends hello and request in one write; the caller reads
// the server's hello and the reply. The connection's deadline covers the
// whole exchange.
func (c Client) start(ctx context.Context, req Request) (*clientConn, error) {
	frame, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	nc, deadline, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	conn := &clientConn{UnixConn: nc.(*net.UnixConn)}
	conn.SetDeadline(deadline)
	// Cancelling ctx ends any read or write in progress.
	conn.stop = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	msg := append(MarshalHello(Hello{Version: ProtocolVersion, Commit: clientCommit}), frame...)
	if _, err := conn.Write(msg); err != nil {
		conn.Close()
		return nil, closedHint(fmt.Errorf("sending request to vmnetd: %w", err))
	}
	return conn, nil
}

// startupWindow is how long a dial keeps trying while the socket exists
// but refuses: vmnetd binds its socket under its final name (so errors
// name the path users know), and for a few microseconds between bind(2),
// listen(2) and the chown to the user a client gets ECONNREFUSED or
// EACCES. A vmnetd that is not running still fails, this much later.
const startupWindow = 250 * time.Millisecond

func dialVmnetd(ctx context.Context, socket string, deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline}
	until := time.Now().Add(startupWindow)
	for {
		nc, err := d.DialContext(ctx, "unix", socket)
		if err == nil || !(errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EACCES)) ||
			time.Now().After(until) || time.Now().After(deadline) || ctx.Err() != nil {
			return nc, err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closedHint says why vmnetd may have closed the connection unanswered:
// it closes a peer of a foreign uid at accept, before reading anything.
func closedHint(err error) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, errClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (vmnetd closes connections of any uid but root and its user's; its log says why)", err)
	}
	return err
}

var errClosed = errors.New("connection closed")
