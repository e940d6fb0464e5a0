// This code runs as root inside vmnetd: it takes a performance trace for
// the profile's user and hands over a read-only descriptor, never a path.

package helper

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
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
	if !s.traceMu.TryLock() {
		s.reply(c, CmdTrace, StatusFailed, "a trace is already running; try again when it ends")
		return
	}
	defer s.traceMu.Unlock()
	if !byRoot && !s.lastTrace.IsZero() && time.Since(s.lastTrace) < traceCooldown {
		wait := (traceCooldown - time.Since(s.lastTrace)).Round(time.Second)
		s.reply(c, CmdTrace, StatusFailed, fmt.Sprintf("a trace was taken moments ago; try again in %s", wait))
		return
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
	log = log.With(zap.Int("seconds", secs))
	log.Info("taking a trace")
	f, err := TakeTrace(ctx, trace, s.cfg.TraceDir, secs)
	if !byRoot {
		s.lastTrace = time.Now()
	}
	if err != nil {
		log.Warn("trace failed", zap.Error(err))
		s.reply(c, CmdTrace, StatusFailed, "trace: "+err.Error())
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

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
