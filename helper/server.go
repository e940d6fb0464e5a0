// This code runs as root: it is the vmnetd daemon's request loop. Every
// connection is checked for its peer uid before any command is served.

package helper

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// DefaultTimeout is Config.Timeout's zero value (DefaultMaxConns is in admit.go).
const DefaultTimeout = 10 * time.Second

// ErrUninstalled is returned by Serve after an uninstall request.
var ErrUninstalled = errors.New("vmnetd was uninstalled")

// Config is what a Server needs. Zero values take the defaults above.
type Config struct {
	Socket    string       // path of the socket to create
	UID       int          // the one user served besides root; owns the socket
	Policy    *PolicyStore // nil: policy requests fail
	Uninstall *Uninstaller // nil: uninstall requests fail
	Logger    *zap.Logger
	Timeout   time.Duration // whole-connection deadline
	MaxConns  int           // connections one uid holds at once before its oldest stalled one is closed (admit.go)
	Product   string        // reported by the version command
	Version   string        // reported by the version command
	Commit    string        // 40-character commit id sent in the hello
	// Trace takes a performance trace for the trace command; nil means
	// PlatformTrace("") (spindump on macOS, refused elsewhere).
	Trace TraceFunc
	// TraceDir is where each trace's private directory is made ("" is
	// os.TempDir()).
	TraceDir string

	goos string // tests: whose bind rule to apply ("" is runtime.GOOS)
}

// VersionInfo is the body of a version reply (JSON).
type VersionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Protocol uint32 `json:"protocol"`
	Product  string `json:"product,omitempty"`
}

// Server is a running vmnetd listener.
type Server struct {
	cfg        Config
	log        *zap.Logger
	ln         *net.UnixListener
	hello      []byte
	admit      *admission
	refusals   *refusalLog    // refused and dropped connections, per uid
	bound      *refusalLog    // successful binds, per uid (summarised the same way)
	goos       string         // whose bind rule planBind applies; runtime.GOOS
	ports      [64]sync.Mutex // striped by port: bind, send and close are one step per port
	localAddrs func() ([]netip.Addr, error)

	wg sync.WaitGroup

	uninstalled chan struct{}
	once        sync.Once
	closeOnce   sync.Once

	ctx       context.Context // Serve's, for the long-running trace command
	traceMu   sync.Mutex      // one trace at a time; guards lastTrace
	lastTrace time.Time       // the user's last trace
}

// NewServer creates the listening socket (see createSocket) and returns a
// Server ready to Serve. Until Serve runs, connections wait in the backlog.
func NewServer(cfg Config) (*Server, error) {
	if cfg.UID < 0 {
		return nil, fmt.Errorf("allowed uid %d is invalid", cfg.UID)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	ln, err := createSocket(cfg.Socket, cfg.UID)
	if err != nil {
		return nil, err
	}
	return &Server{
		cfg:         cfg,
		log:         cfg.Logger,
		ln:          ln,
		hello:       MarshalHello(Hello{Version: ProtocolVersion, Commit: cfg.Commit}),
		admit:       newAdmission(cfg.MaxConns),
		refusals:    newRefusalLog(cfg.Logger),
		bound:       newSummaryLog(cfg.Logger, "bound"),
		goos:        cmp.Or(cfg.goos, runtime.GOOS),
		localAddrs:  interfaceAddrs,
		uninstalled: make(chan struct{}),
	}, nil
}

// Close removes the socket of a Server whose Serve was never called.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() { err = closeSocket(s.ln, s.cfg.Socket) })
	return err
}

// Serve answers connections until ctx is done or an uninstall request was
// served. It then closes the listener (removing the socket), drops the
// connections still open and waits for their handlers. After an uninstall
// it runs the Uninstaller's Bootout and returns ErrUninstalled.
func (s *Server) Serve(ctx context.Context) error {
	s.ctx = ctx
	stop, closed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(closed)
		select {
		case <-ctx.Done():
		case <-s.uninstalled:
		case <-stop:
		}
		s.Close()
	}()
	s.log.Info("vmnetd listening", zap.String("socket", s.cfg.Socket), zap.Int("allowed_uid", s.cfg.UID))
	err := s.acceptLoop(ctx)
	close(stop)
	// The socket is gone before Serve returns, however it was stopped.
	<-closed
	for _, c := range s.admit.open() {
		c.Close()
	}
	s.wg.Wait()
	select {
	case <-s.uninstalled:
		s.log.Info("vmnetd uninstalled; shutting down")
		s.bootout(ctx)
		return ErrUninstalled
	default:
	}
	s.log.Info("vmnetd stopped", zap.String("socket", s.cfg.Socket))
	return err
}

// acceptLoop never waits for a handler: each connection's peer uid is
// read right after accept, a foreign one is closed at once (nothing read,
// nothing written), and the rest are admitted per uid (admit.go), so a
// uid's stalled connections can delay nobody else, nor its own new ones.
func (s *Server) acceptLoop(ctx context.Context) error {
	backoff := 5 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.uninstalled:
			return nil
		default:
		}
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			// EMFILE and friends: wait and retry rather than spin or die.
			s.log.Warn("accept failed", zap.Error(err))
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		uid, pid, err := peerCred(c)
		if err != nil {
			c.Close()
			s.log.Error("cannot read peer credentials; connection closed", zap.Error(err))
			continue
		}
		if uid != 0 && uid != s.cfg.UID {
			c.Close()
			s.refusals.refuse(uid, "peer uid is not allowed")
			continue
		}
		res := s.admit.admit(c, uid)
		for _, old := range res.evicted {
			old.Close()
			s.refusals.refuse(uid, "stalled: closed for a newer connection")
		}
		if res.entry == nil {
			c.Close()
			s.refusals.refuse(uid, "too many connections")
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(res.entry, pid)
			c.Close()
			s.admit.release(res.entry)
		}()
	}
}

// bootout unloads the job after an uninstall. launchd answers it by
// sending SIGTERM to this process, which ends ctx: stop waiting then.
func (s *Server) bootout(ctx context.Context) {
	u := s.cfg.Uninstall
	if u == nil || u.Bootout == nil {
		return
	}
	done := make(chan error, 1)
	go func() { done <- u.Bootout(u.Label) }()
	select {
	case err := <-done:
		if err != nil {
			s.log.Error("bootout failed", zap.String("label", u.Label), zap.Error(err))
		}
	case <-ctx.Done():
	}
}

// handle serves one admitted connection of root or the profile's user.
// What goes wrong on a connection (a bad hello, a stall, a refused bind) is
// counted per uid and summarised (logsum.go), never logged line by line.
func (s *Server) handle(e *connEntry, pid int) {
	c, uid := e.c, e.uid
	c.SetDeadline(time.Now().Add(s.cfg.Timeout))

	// One read usually brings the hello and the whole request (our client
	// sends them together); the buffer never outlives this connection.
	r := bufio.NewReaderSize(c, 128) // hello + a padded vpnkit frame
	h, err := ReadHello(r)
	if err != nil {
		s.drop(uid, "hello", err)
		return
	}
	if _, err := c.Write(s.hello); err != nil {
		s.refusals.refuse(uid, "closed before the hello reply")
		return
	}
	var cb [1]byte
	if _, err := io.ReadFull(r, cb[:]); err != nil {
		s.drop(uid, "command", err)
		return
	}
	cmd := Command(cb[0])
	req, err := ReadBody(r, cmd)
	if err != nil {
		s.drop(uid, "request", err)
		s.reply(c, cmd, StatusFailed, err.Error())
		return
	}
	if cmd.isBind() {
		s.bind(c, uid, req)
		drain(c, r, padding(req))
		return
	}
	// Built only now: a stalled connection holds no logger (see BENCH.md, RSS).
	log := s.log.With(zap.Int("uid", uid), zap.Int("pid", pid), zap.Stringer("command", cmd), zap.Uint32("client_version", h.Version))
	switch cmd {
	case CmdVersion:
		body, _ := json.Marshal(VersionInfo{Version: s.cfg.Version, Commit: string(s.hello[9:]), Protocol: ProtocolVersion, Product: s.cfg.Product})
		s.reply(c, cmd, StatusOK, string(body))
	case CmdPolicyGet:
		s.policyGet(c, log)
	case CmdPolicySet:
		s.policySet(c, req, uid == 0, log)
	case CmdUninstall:
		s.uninstall(c, log)
	case CmdTrace:
		s.admit.markLong(e)
		s.trace(c, req, uid == 0, log)
	}
	drain(c, r, padding(req))
}

// drop counts a connection that failed while its request was read, unless
// vmnetd closed it itself (an eviction, counted when it happened, or
// shutdown).
func (s *Server) drop(uid int, what string, err error) {
	if !errors.Is(err, net.ErrClosed) {
		s.refusals.refuse(uid, dropReason(what, err))
	}
}

// dropReason is the summary key for a connection that failed while its
// request was read: a fixed phrase per cause, no client data.
func dropReason(what string, err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "stalled: " + what + " not sent in time"
	case errors.Is(err, ErrBadMagic):
		return "bad hello magic"
	case errors.Is(err, ErrUnknownCommand):
		return "unknown command"
	case errors.Is(err, ErrBadProto):
		return "bad transport byte"
	case errors.Is(err, ErrTooLarge):
		return "request too large"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed before the " + what + " was complete"
	}
	return "error reading the " + what
}

// reply sends a bare status for bind and unknown commands, else a status
// with a body.
func (s *Server) reply(c *net.UnixConn, cmd Command, st Status, body string) {
	b := MarshalStatus(st)
	switch cmd {
	case CmdVersion, CmdPolicyGet, CmdPolicySet, CmdUninstall, CmdTrace:
		b = MarshalReply(st, []byte(body))
	}
	c.Write(b)
}

// drain discards what the client already sent after its request (the
// OCaml client pads its frame to 41 bytes in the same write), so closing
// never meets unread data, which could turn into a reset. It never waits:
// the padding arrives with the request, and the reply is already queued
// ahead of anything that comes later.
func drain(c *net.UnixConn, r *bufio.Reader, limit int) {
	n, _ := r.Discard(min(r.Buffered(), limit))
	if limit -= n; limit <= 0 {
		return
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, limit)
	raw.Read(func(fd uintptr) bool {
		for limit > 0 {
			n, _, err := unix.Recvfrom(int(fd), buf[:limit], unix.MSG_DONTWAIT)
			if err != nil || n <= 0 {
				break
			}
			limit -= n
		}
		return true // done: do not wait for readiness
	})
}

// padding is how many zero bytes the OCaml client may send after req.
func padding(req Request) int {
	n := 1
	switch req.Command {
	case CmdBindIPv4:
		n += 7
	case CmdBindIPv6:
		n += 19
	case CmdPolicySet:
		n += 4 + len(req.Payload)
	case CmdTrace:
		n++
	}
	return max(0, VpnkitPadTo-n)
}

func (s *Server) bind(c *net.UnixConn, uid int, req Request) {
	if err := checkBind(req, s.localAddrs); err != nil {
		s.refusals.refuse(uid, "bind refused: "+refusalKind(err))
		c.Write(MarshalStatus(statusOf(err)))
		return
	}
	// One port's bind, send and close happen under its lock, so a client
	// that closes its copy and asks again never races our copy's close.
	mu := &s.ports[int(req.Port)%len(s.ports)]
	mu.Lock()
	defer mu.Unlock()
	plan, err := s.planFor(req)
	if err != nil {
		s.refusals.refuse(uid, "bind failed: "+refusalKind(err))
		c.Write(MarshalStatus(statusOf(err)))
		return
	}
	fd, err := bindSocket(req, plan)
	if err != nil {
		s.refusals.refuse(uid, "bind failed: "+refusalKind(err))
		c.Write(MarshalStatus(statusOf(err)))
		return
	}
	_, _, err = c.WriteMsgUnix(MarshalStatus(StatusOK), unix.UnixRights(fd), nil)
	unix.Close(fd)
	if err != nil {
		s.refusals.refuse(uid, "closed before the bound socket was sent")
		return
	}
	s.bound.refuse(uid, req.Proto.String()+" "+netip.AddrPortFrom(req.Addr, req.Port).String())
}

// planFor is planBind for this host; only a wildcard TCP request on a BSD
// kernel needs the local addresses.
func (s *Server) planFor(req Request) (bindPlan, error) {
	var local []netip.Addr
	if req.Proto == TCP && req.Addr.IsUnspecified() && s.goos != "linux" {
		var err error
		if local, err = s.localAddrs(); err != nil {
			return bindPlan{}, refuse("cannot list local addresses", "listing local addresses: %w", err)
		}
	}
	return planBind(s.goos, req, local), nil
}

func statusOf(err error) Status {
	var be *bindError
	if errors.As(err, &be) {
		return be.status
	}
	return StatusFailed
}

func (s *Server) policyGet(c *net.UnixConn, log *zap.Logger) {
	if s.cfg.Policy == nil {
		s.reply(c, CmdPolicyGet, StatusFailed, "this vmnetd has no policy cache configured")
		return
	}
	data, err := s.cfg.Policy.Get()
	if err != nil {
		log.Warn("policy get failed", zap.Error(err))
		s.reply(c, CmdPolicyGet, StatusFailed, err.Error())
		return
	}
	s.reply(c, CmdPolicyGet, StatusOK, string(data))
}

func (s *Server) policySet(c *net.UnixConn, req Request, byRoot bool, log *zap.Logger) {
	if s.cfg.Policy == nil {
		s.reply(c, CmdPolicySet, StatusFailed, "this vmnetd has no policy cache configured")
		return
	}
	if err := s.cfg.Policy.Set(req.Payload, byRoot); err != nil {
		log.Warn("policy refused", zap.Error(err))
		s.reply(c, CmdPolicySet, StatusFailed, err.Error())
		return
	}
	log.Info("policy stored", zap.Int("bytes", len(req.Payload)))
	s.reply(c, CmdPolicySet, StatusOK, "")
}

func (s *Server) uninstall(c *net.UnixConn, log *zap.Logger) {
	if s.cfg.Uninstall == nil {
		s.reply(c, CmdUninstall, StatusFailed, "this vmnetd cannot uninstall itself")
		return
	}
	if err := s.cfg.Uninstall.removeFiles(); err != nil {
		log.Error("uninstall failed", zap.Error(err))
		s.reply(c, CmdUninstall, StatusFailed, err.Error())
		return
	}
	log.Info("uninstalled: helper plist and binary removed")
	s.reply(c, CmdUninstall, StatusOK, "")
	s.once.Do(func() { close(s.uninstalled) })
}
