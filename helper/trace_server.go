// This code runs as root inside vmnetd: it takes a performance trace for
// the profile's user and hands over a read-only descriptor, never a path.

package helper

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// traceCooldown spaces out the user's traces: spindump is heavy, and the
// user must not be able to keep it running back to back. Root, who can
// run spindump anyway, is not held to it.
const traceCooldown = 30 * time.Second

// TraceInfo is the body of a successful trace reply (JSON).
type TraceInfo struct {
	Bytes   int64 `json:"bytes"`
	Seconds int   `json:"seconds"`
}

func (s *Server) trace(c *net.UnixConn, req Request, byRoot bool, log *zap.Logger) {
	f, secs, msg := s.takeTrace(c, req, byRoot, log)
	if msg != "" {
		s.reply(c, CmdTrace, StatusFailed, msg)
		return
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	body, _ := json.Marshal(TraceInfo{Bytes: size, Seconds: secs})
	raw, err := f.SyscallConn()
	if err != nil {
		s.reply(c, CmdTrace, StatusFailed, "trace: "+err.Error())
		return
	}
	var serr error
	cerr := raw.Control(func(fd uintptr) {
		_, _, serr = c.WriteMsgUnix(MarshalReply(StatusOK, body), unix.UnixRights(int(fd)), nil)
	})
	if err := firstErr(cerr, serr); err != nil {
		log.Warn("sending the trace failed", zap.Error(err))
		return
	}
	log.Info("trace sent", zap.Int64("bytes", size))
}

// takeTrace takes the trace under traceMu and returns it, or the refusal
// message. The lock is released before the reply goes out, so a client
// that reads the reply and asks again at once never finds it held.
func (s *Server) takeTrace(c *net.UnixConn, req Request, byRoot bool, log *zap.Logger) (*os.File, int, string) {
	if !s.traceMu.TryLock() {
		return nil, 0, "a trace is already running; try again when it ends"
	}
	defer s.traceMu.Unlock()
	if !byRoot && !s.lastTrace.IsZero() && time.Since(s.lastTrace) < traceCooldown {
		wait := (traceCooldown - time.Since(s.lastTrace)).Round(time.Second)
		return nil, 0, fmt.Sprintf("a trace was taken moments ago; try again in %s", wait)
	}
	secs := int(req.TraceSeconds)
	if secs == 0 {
		secs = DefaultTraceSeconds
	}
	limit := time.Duration(secs)*time.Second + TraceGrace
	c.SetDeadline(time.Now().Add(limit + 5*time.Second))
	base := s.ctx
	if base == nil {
		base = context.Background()
	}
	ctx, cancel := context.WithTimeout(base, limit)
	defer cancel()
	trace := s.cfg.Trace
	if trace == nil {
		trace = PlatformTrace("")
	}
	log.Info("taking a trace", zap.Int("seconds", secs))
	f, err := TakeTrace(ctx, trace, s.cfg.TraceDir, secs)
	if !byRoot {
		s.lastTrace = time.Now()
	}
	if err != nil {
		log.Warn("trace failed", zap.Error(err))
		return nil, 0, "trace: " + err.Error()
	}
	return f, secs, ""
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
