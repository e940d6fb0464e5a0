package helper

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// Wire constants shared with Docker's vpnkit clients. PROTOCOL.md documents
// every byte; keep the two in step.
const (
	Magic           = "VMN3T" // first 5 bytes of every hello
	HelloSize       = 49      // magic(5) + version(4) + commit(40)
	CommitSize      = 40
	ProtocolVersion = 22 // what the server announces; any client value is accepted

	// VpnkitPadTo is the size the OCaml client pads its command frame to
	// (command byte included); the server drains such padding after replying.
	VpnkitPadTo = 41

	// MaxPolicySize caps a stored policy; MaxPolicyFrame caps a policy-set
	// frame (the policy in a signed envelope plus its signature).
	MaxPolicySize  = 256 << 10
	MaxPolicyFrame = MaxPolicySize + 1024
	// MaxReplyBody caps the body of an extended reply.
	MaxReplyBody = MaxPolicyFrame
)

// Command is the 1-byte request code sent after the hello.
type Command byte

// Commands 1, 8 and 6 are vpnkit's (ethernet, preferred-ipv4, bind-ipv4;
// vmnetd serves only bind-ipv4 and answers the others with status 1);
// ours start at 0x40 so they never collide with a vpnkit addition.
const (
	cmdVpnkitEthernet      Command = 1
	cmdVpnkitPreferredIPv4 Command = 8

	CmdBindIPv4  Command = 6
	CmdBindIPv6  Command = 0x40
	CmdVersion   Command = 0x41
	CmdPolicyGet Command = 0x42
	CmdPolicySet Command = 0x43
	CmdUninstall Command = 0x44
	CmdTrace     Command = 0x45
)

func (c Command) String() string {
	switch c {
	case CmdBindIPv4:
		return "bind-ipv4"
	case CmdBindIPv6:
		return "bind-ipv6"
	case CmdVersion:
		return "version"
	case CmdPolicyGet:
		return "policy-get"
	case CmdPolicySet:
		return "policy-set"
	case CmdUninstall:
		return "uninstall"
	case CmdTrace:
		return "trace"
	}
	return fmt.Sprintf("command-%d", byte(c))
}

// isBind reports whether replies to c are the bare 8-byte status (+ fd).
func (c Command) isBind() bool { return c == CmdBindIPv4 || c == CmdBindIPv6 }

// Proto is the transport byte of a bind request.
type Proto byte

const (
	TCP Proto = 0
	UDP Proto = 1
)

func (p Proto) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return fmt.Sprintf("proto-%d", byte(p))
}

// Status is the little-endian uint64 that starts every reply. The non-zero
// values are macOS errno numbers so vpnkit clients understand them.
type Status uint64

const (
	StatusOK           Status = 0
	StatusFailed       Status = 1 // refused or failed
	StatusAddrInUse    Status = 48
	StatusAddrNotAvail Status = 49
)

// Hello is the 49-byte greeting each side sends first.
type Hello struct {
	Version uint32
	Commit  string // 40 bytes on the wire
}

// Errors of the decoder. Each names what was wrong so the log line is useful.
var (
	ErrBadMagic       = errors.New("hello does not start with " + Magic)
	ErrUnknownCommand = errors.New("unknown command")
	ErrBadProto       = errors.New("transport byte is neither 0 (tcp) nor 1 (udp)")
	ErrTooLarge       = errors.New("frame exceeds the size cap")
)

// MarshalHello encodes h; a commit id shorter than 40 bytes is padded with
// '0', a longer one cut, so the frame is always exactly HelloSize bytes.
func MarshalHello(h Hello) []byte {
	b := make([]byte, HelloSize)
	copy(b, Magic)
	binary.LittleEndian.PutUint32(b[5:9], h.Version)
	c := b[9:]
	for i := range c {
		c[i] = '0'
	}
	copy(c, h.Commit)
	return b
}

// ReadHello reads exactly one hello frame.
func ReadHello(r io.Reader) (Hello, error) {
	var b [HelloSize]byte
	// Check the magic before waiting for more: an old client sends only
	// the 5-byte "VMNET" and would otherwise sit out the deadline.
	if _, err := io.ReadFull(r, b[:5]); err != nil {
		return Hello{}, fmt.Errorf("reading hello: %w", err)
	}
	if string(b[:5]) != Magic {
		return Hello{}, fmt.Errorf("%w (got %q)", ErrBadMagic, b[:5])
	}
	if _, err := io.ReadFull(r, b[5:]); err != nil {
		return Hello{}, fmt.Errorf("reading hello: %w", err)
	}
	return ParseHello(b[:])
}

// ParseHello decodes a complete 49-byte hello.
func ParseHello(b []byte) (Hello, error) {
	if len(b) != HelloSize {
		return Hello{}, fmt.Errorf("hello is %d bytes, want %d", len(b), HelloSize)
	}
	if string(b[:5]) != Magic {
		return Hello{}, fmt.Errorf("%w (got %q)", ErrBadMagic, b[:5])
	}
	return Hello{Version: binary.LittleEndian.Uint32(b[5:9]), Commit: string(b[9:])}, nil
}

// Request is one decoded command frame.
type Request struct {
	Command Command
	// Bind commands.
	Addr  netip.Addr
	Port  uint16
	Proto Proto
	// CmdPolicySet.
	Payload []byte
	// CmdTrace: seconds to sample, 0 for DefaultTraceSeconds.
	TraceSeconds uint8
}

// Marshal encodes the command frame (command byte included).
func (r Request) Marshal() ([]byte, error) {
	b := []byte{byte(r.Command)}
	switch r.Command {
	case CmdBindIPv4:
		if !r.Addr.Is4() {
			return nil, fmt.Errorf("bind-ipv4 needs an IPv4 address, got %v", r.Addr)
		}
		a := r.Addr.As4()
		b = append(b, a[3], a[2], a[1], a[0]) // vpnkit's reversed octets
		b = binary.LittleEndian.AppendUint16(b, r.Port)
		b = append(b, byte(r.Proto))
	case CmdBindIPv6:
		// A v4-mapped address encodes fine; the server refuses it.
		if !r.Addr.Is6() || r.Addr.Zone() != "" {
			return nil, fmt.Errorf("bind-ipv6 needs an IPv6 address without zone, got %v", r.Addr)
		}
		a := r.Addr.As16()
		b = append(b, a[:]...)
		b = binary.LittleEndian.AppendUint16(b, r.Port)
		b = append(b, byte(r.Proto))
	case CmdPolicySet:
		if len(r.Payload) > MaxPolicyFrame {
			return nil, fmt.Errorf("policy of %d bytes: %w (%d)", len(r.Payload), ErrTooLarge, MaxPolicyFrame)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Payload)))
		b = append(b, r.Payload...)
	case CmdTrace:
		if r.TraceSeconds > MaxTraceSeconds {
			return nil, fmt.Errorf("trace of %d s: %w (%d s)", r.TraceSeconds, ErrTooLarge, MaxTraceSeconds)
		}
		b = append(b, r.TraceSeconds)
	case CmdVersion, CmdPolicyGet, CmdUninstall:
	default:
		return nil, fmt.Errorf("%w %d", ErrUnknownCommand, byte(r.Command))
	}
	if r.Command.isBind() && r.Proto != TCP && r.Proto != UDP {
		return nil, ErrBadProto
	}
	return b, nil
}

// ReadRequest reads one command frame with full reads, so a client may split
// it into writes of any size. It never reads past the frame.
func ReadRequest(r io.Reader) (Request, error) {
	var c [1]byte
	if _, err := io.ReadFull(r, c[:]); err != nil {
		return Request{}, fmt.Errorf("reading command: %w", err)
	}
	return ReadBody(r, Command(c[0]))
}

// ReadBody reads the rest of a frame whose command byte was already read.
func ReadBody(r io.Reader, c Command) (Request, error) {
	req := Request{Command: c}
	switch c {
	case CmdBindIPv4, CmdBindIPv6:
		n := 4
		if c == CmdBindIPv6 {
			n = 16
		}
		b := make([]byte, n+3)
		if _, err := io.ReadFull(r, b); err != nil {
			return Request{}, fmt.Errorf("reading %s body: %w", c, err)
		}
		if c == CmdBindIPv4 {
			req.Addr = netip.AddrFrom4([4]byte{b[3], b[2], b[1], b[0]})
		} else {
			req.Addr = netip.AddrFrom16([16]byte(b[:16]))
		}
		req.Port = binary.LittleEndian.Uint16(b[n:])
		req.Proto = Proto(b[n+2])
		if req.Proto != TCP && req.Proto != UDP {
			return Request{}, fmt.Errorf("%s: %w (got %d)", c, ErrBadProto, b[n+2])
		}
	case CmdPolicySet:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return Request{}, fmt.Errorf("reading policy length: %w", err)
		}
		n := binary.LittleEndian.Uint32(l[:])
		if n > MaxPolicyFrame {
			return Request{}, fmt.Errorf("policy of %d bytes: %w (%d)", n, ErrTooLarge, MaxPolicyFrame)
		}
		// Grown as the bytes arrive, not allocated from the length prefix:
		// a connection that stalls after it holds only what it sent.
		p, err := io.ReadAll(io.LimitReader(r, int64(n)))
		if err == nil && len(p) < int(n) {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return Request{}, fmt.Errorf("reading policy: %w", err)
		}
		req.Payload = p
	case CmdTrace:
		var n [1]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return Request{}, fmt.Errorf("reading trace length: %w", err)
		}
		if n[0] > MaxTraceSeconds {
			return Request{}, fmt.Errorf("trace of %d s: %w (%d s)", n[0], ErrTooLarge, MaxTraceSeconds)
		}
		req.TraceSeconds = n[0]
	case CmdVersion, CmdPolicyGet, CmdUninstall:
	default:
		return Request{}, fmt.Errorf("%w %d", ErrUnknownCommand, byte(c))
	}
	return req, nil
}

// MarshalStatus encodes a bind reply: exactly 8 bytes.
func MarshalStatus(s Status) []byte {
	return binary.LittleEndian.AppendUint64(nil, uint64(s))
}

// MarshalReply encodes an extended reply: status, 4-byte length, body.
func MarshalReply(s Status, body []byte) []byte {
	if len(body) > MaxReplyBody {
		body = body[:MaxReplyBody]
	}
	b := MarshalStatus(s)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

// ReadReply reads an extended reply.
func ReadReply(r io.Reader) (Status, []byte, error) {
	var h [12]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, fmt.Errorf("reading reply: %w", err)
	}
	n := binary.LittleEndian.Uint32(h[8:])
	if n > MaxReplyBody {
		return 0, nil, fmt.Errorf("reply body of %d bytes: %w (%d)", n, ErrTooLarge, MaxReplyBody)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, fmt.Errorf("reading reply body: %w", err)
	}
	return Status(binary.LittleEndian.Uint64(h[:8])), body, nil
}
