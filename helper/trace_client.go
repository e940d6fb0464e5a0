package helper

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Trace asks vmnetd for a performance trace of about seconds (0 is
// DefaultTraceSeconds) and returns it as a read-only file that no path
// leads to. The caller closes it; ReadTrace reads it.
func (c Client) Trace(ctx context.Context, seconds int) (*os.File, TraceInfo, error) {
	if seconds < 0 || seconds > MaxTraceSeconds {
		return nil, TraceInfo{}, fmt.Errorf("trace of %d s: at most %d s", seconds, MaxTraceSeconds)
	}
	secs := seconds
	if secs == 0 {
		secs = DefaultTraceSeconds
	}
	// The helper samples, then symbolicates: wait for both.
	if need := time.Duration(secs)*time.Second + TraceGrace + 10*time.Second; c.Timeout < need {
		c.Timeout = need
	}
	conn, err := c.start(ctx, Request{Command: CmdTrace, TraceSeconds: uint8(seconds)})
	if err != nil {
		return nil, TraceInfo{}, err
	}
	defer conn.Close()
	st, body, fd, err := readReplyWithFD(conn)
	if err != nil {
		return nil, TraceInfo{}, fmt.Errorf("vmnetd trace: %w", err)
	}
	if st != StatusOK {
		return nil, TraceInfo{}, &StatusError{Status: st, Message: string(body)}
	}
	var info TraceInfo
	if err := json.Unmarshal(body, &info); err != nil {
		syscall.Close(fd)
		return nil, TraceInfo{}, fmt.Errorf("vmnetd trace reply: %w", err)
	}
	return os.NewFile(uintptr(fd), "vmnetd-trace"), info, nil
}

// readReplyWithFD reads the server's hello and an extended reply (§3.2)
// with recvmsg only, so the descriptor that comes with the reply is never
// dropped by a plain read. A status 0 must carry exactly one descriptor;
// any other is closed.
func readReplyWithFD(conn *clientConn) (Status, []byte, int, error) {
	buf := make([]byte, HelloSize+12)
	r := newFDReader(conn)
	fail := func(err error) (Status, []byte, int, error) {
		r.closeFD()
		return 0, nil, -1, err
	}
	if err := r.readFull(buf); err != nil {
		return fail(err)
	}
	if _, err := ParseHello(buf[:HelloSize]); err != nil {
		return fail(fmt.Errorf("vmnetd handshake: %w", err))
	}
	st := Status(binary.LittleEndian.Uint64(buf[HelloSize:]))
	n := binary.LittleEndian.Uint32(buf[HelloSize+8:])
	if n > MaxReplyBody {
		return fail(fmt.Errorf("reply body of %d bytes: %w (%d)", n, ErrTooLarge, MaxReplyBody))
	}
	body := make([]byte, n)
	if err := r.readFull(body); err != nil {
		return fail(err)
	}
	fd := r.fd
	switch {
	case st == StatusOK && fd < 0:
		return fail(errors.New("vmnetd reported success but sent no descriptor"))
	case st != StatusOK && fd >= 0:
		syscall.Close(fd)
		fd = -1
	}
	return st, body, fd, nil
}
