package helper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/sys/unix"
)

// attackChild is the body of the children these tests start as another
// uid: they stall, flood, or hold a port the way an attacker or another
// user's server would.
func attackChild(mode string, c Client, args []string) int {
	switch mode {
	case "stall": // hold N connections that never finish their hello; with "reopen", reopen any vmnetd closes
		n, _ := strconv.Atoi(args[1])
		reopen := len(args) > 2 && args[2] == "reopen"
		// A write may fail when vmnetd closed the connection at once (the
		// uid's hard limit): the connection's goroutine below reopens it.
		stall := func() (net.Conn, error) {
			conn, err := net.Dial("unix", c.Socket)
			if err == nil {
				conn.Write(MarshalHello(Hello{})[:20])
			}
			return conn, err
		}
		quit := make(chan struct{})
		var conns []net.Conn
		for range n {
			conn, err := stall()
			if err != nil {
				fmt.Println("error:", err)
				return 0
			}
			conns = append(conns, conn)
		}
		for _, conn := range conns {
			go func() {
				for {
					io.Copy(io.Discard, conn) // until vmnetd closes it
					conn.Close()
					select {
					case <-quit:
						return
					case <-time.After(10 * time.Millisecond):
					}
					if !reopen {
						return
					}
					var err error
					if conn, err = stall(); err != nil {
						return
					}
				}
			}()
		}
		fmt.Printf("bound %d stalled connections\n", len(conns))
		io.Copy(io.Discard, os.Stdin)
		close(quit)
		for _, conn := range conns {
			conn.Close()
		}
	case "flood": // N connections, each a whole bind request
		n, _ := strconv.Atoi(args[1])
		req, _ := Request{Command: CmdBindIPv4, Addr: netip.MustParseAddr("127.0.0.1"), Port: 80}.Marshal()
		msg := append(MarshalHello(Hello{}), req...)
		for range n {
			conn, err := net.Dial("unix", c.Socket)
			if err != nil {
				fmt.Println("error:", err)
				return 0
			}
			conn.Write(msg)
			io.Copy(io.Discard, conn)
			conn.Close()
		}
		fmt.Println("done", n)
	case "hold-tcp", "hold-udp": // another user's server on a port
		var err error
		var closer io.Closer
		if mode == "hold-tcp" {
			closer, err = net.Listen("tcp", args[1])
		} else {
			closer, err = net.ListenPacket("udp", args[1])
		}
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		fmt.Println("bound", args[1])
		io.Copy(io.Discard, os.Stdin)
		closer.Close()
	case "bind-tcp", "bind-udp":
		p := TCP
		if mode == "bind-udp" {
			p = UDP
		}
		f, err := c.Bind(context.Background(), p, netip.MustParseAddrPort(args[1]))
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		f.Close()
		fmt.Println("bound")
	case "bind-loop": // N binds in a row; prints p50 and p99 in µs
		n, _ := strconv.Atoi(args[2])
		ap := netip.MustParseAddrPort(args[1])
		lat := make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			f, err := c.Bind(context.Background(), TCP, ap)
			if err != nil {
				fmt.Println("error:", err)
				return 0
			}
			f.Close()
			lat = append(lat, time.Since(start))
		}
		fmt.Printf("p50 %.1f p99 %.1f\n", us(quantile(lat, 0.5)), us(quantile(lat, 0.99)))
	case "timed-bind":
		start := time.Now()
		f, err := c.Bind(context.Background(), TCP, netip.MustParseAddrPort(args[1]))
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		f.Close()
		fmt.Println(time.Since(start).Milliseconds())
	}
	return 0
}

// TestStalledConnectionsDelayNobody: 200 connections of the user that never
// finish their hello, with the default 10 s deadline, delay neither root's
// bind nor a new bind of the user's by more than 1 s (docs/contract.md §8).
func TestStalledConnectionsDelayNobody(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	if out := serveChild(t, nobody, "stall", ts.socket, "200", "reopen"); !strings.HasPrefix(out, "bound 200") {
		t.Fatalf("stalling child: %s", out)
	}
	if !waitFor(5*time.Second, func() bool { return ts.admit.count(nobody) >= 200 }) {
		t.Fatalf("only %d stalled connections admitted", ts.admit.count(nobody))
	}
	time.Sleep(stallGrace) // they are now old enough to be stalled
	c := Client{Socket: ts.socket, Timeout: 5 * time.Second}
	start := time.Now()
	f, err := c.Bind(context.Background(), TCP, netip.MustParseAddrPort("127.0.0.1:87"))
	if err != nil {
		t.Fatalf("root's bind with 200 stalled connections open: %v", err)
	}
	f.Close()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("root's bind took %v with 200 stalled connections open", d)
	}
	out := runChildOutput(t, nobody, "timed-bind", ts.socket, "127.0.0.1:87")
	ms, err := strconv.Atoi(out)
	if err != nil || ms > 1000 {
		t.Fatalf("the user's bind with 200 stalled connections of its own: %s (ms)", out)
	}
	if n := ts.admit.count(nobody); n > hardFactor*DefaultMaxConns {
		t.Fatalf("%d connections of one uid held, more than the hard limit", n)
	}
}

// TestOverHardLimitEvictsOldest: past the hard limit a new connection of
// the same uid still gets through, by closing the oldest stalled one.
func TestOverHardLimitEvictsOldest(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{MaxConns: 4})
	if out := serveChild(t, nobody, "stall", ts.socket, "40"); !strings.HasPrefix(out, "bound 40") {
		t.Fatalf("stalling child: %s", out)
	}
	time.Sleep(stallGrace + 50*time.Millisecond)
	out := runChildOutput(t, nobody, "timed-bind", ts.socket, "127.0.0.1:88")
	if _, err := strconv.Atoi(out); err != nil {
		t.Fatalf("the user's bind past its hard limit: %s", out)
	}
	if n := ts.admit.count(nobody); n > 4*hardFactor {
		t.Fatalf("%d connections held with a hard limit of %d", n, 4*hardFactor)
	}
	if ts.refusals.total(nobody) == 0 {
		t.Fatal("evictions and refusals were not counted")
	}
}

func TestAdmissionPerUID(t *testing.T) {
	now := time.Unix(1000, 0)
	a := newAdmission(2)
	a.now = func() time.Time { return now }
	conns := make([]*net.UnixConn, 20)
	for i := range conns {
		conns[i] = new(net.UnixConn)
	}
	e0 := a.admit(conns[0], 501).entry
	a.admit(conns[1], 501)
	// Young connections are not evicted: the third is admitted over the
	// soft limit.
	if r := a.admit(conns[2], 501); r.entry == nil || len(r.evicted) != 0 {
		t.Fatalf("third young connection: %+v", r)
	}
	now = now.Add(stallGrace)
	a.markLong(e0)
	r := a.admit(conns[3], 501)
	if r.entry == nil || len(r.evicted) != 1 || r.evicted[0] != conns[1] {
		t.Fatalf("want conns[1] (oldest, not a trace) evicted: %+v", r)
	}
	// Root is never touched by the user's connections.
	if r := a.admit(conns[4], 0); r.entry == nil || len(r.evicted) != 0 {
		t.Fatalf("root: %+v", r)
	}
	// Fill to the hard limit (8): conns[2] is old and goes, the rest are
	// young. At the limit with nothing old enough, a new one is refused.
	for i := 5; a.count(501) < 8; i++ {
		if a.admit(conns[i], 501).entry == nil {
			t.Fatal("refused below the hard limit")
		}
	}
	if r := a.admit(conns[18], 501); r.entry != nil || len(r.evicted) != 0 {
		t.Fatalf("at the hard limit, all young: %+v", r)
	}
	now = now.Add(stallGrace)
	// conns[0] is a trace; conns[3] is the oldest of the rest.
	if r := a.admit(conns[19], 501); r.entry == nil || len(r.evicted) != 1 || r.evicted[0] != conns[3] {
		t.Fatalf("at the hard limit, some old: %+v", r)
	}
	a.release(e0)
	if a.count(501) != 7 || a.count(0) != 1 {
		t.Fatalf("counts %d, %d", a.count(501), a.count(0))
	}
}

func TestRefusalLogOneLinePerUIDPerSecond(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	r := newRefusalLog(zap.New(core))
	now := time.Unix(1000, 0)
	var timers []func()
	r.now = func() time.Time { return now }
	r.after = func(d time.Duration, f func()) {
		if d <= 0 || d > summaryEvery {
			t.Errorf("flush scheduled in %v", d)
		}
		timers = append(timers, f)
	}
	for range 5000 {
		r.refuse(65533, "peer uid is not allowed")
	}
	r.refuse(501, "bad hello magic")
	if logs.Len() != 2 || len(timers) != 1 {
		t.Fatalf("%d lines, %d flushes scheduled after 5001 refusals of 2 uids", logs.Len(), len(timers))
	}
	now = now.Add(summaryEvery)
	timers[0]()
	lines := logs.FilterField(zap.Int("uid", 65533)).All()
	if len(lines) != 2 {
		t.Fatalf("uid 65533: %d lines, want 2", len(lines))
	}
	if n := lines[0].ContextMap()["count"].(int64) + lines[1].ContextMap()["count"].(int64); n != 5000 {
		t.Fatalf("summaries count %d refusals, want 5000", n)
	}
	if r.total(65533) != 5000 {
		t.Fatal("total")
	}
}

// TestStrangerFloodLogsBounded: 2000 connections of a foreign uid, each
// closed at accept, are counted and make at most two log lines in a second
// (today each wrote ~150 bytes).
func TestStrangerFloodLogsBounded(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	os.Chmod(ts.socket, 0o666)
	if out := runChildOutput(t, stranger, "flood", ts.socket, "2000"); out != "done 2000" {
		t.Fatalf("flood: %s", out)
	}
	if !waitFor(3*time.Second, func() bool { return ts.refusals.total(stranger) == 2000 }) {
		t.Fatalf("%d refusals counted, want 2000", ts.refusals.total(stranger))
	}
	time.Sleep(summaryEvery + 200*time.Millisecond)
	var n int64
	var lines []observer.LoggedEntry
	for _, l := range ts.logs.All() {
		switch l.Message {
		case "vmnetd listening":
		case "refused connections":
			n += l.ContextMap()["count"].(int64)
			lines = append(lines, l)
		default:
			t.Errorf("line %q", l.Message)
		}
	}
	// The flood takes longer than a second on a busy machine: one line
	// per second it lasted, plus the first.
	if len(lines) > 2+int(time.Since(ts.started)/summaryEvery) || n != 2000 {
		t.Fatalf("%d lines counting %d refusals", len(lines), n)
	}
}

func TestPlanBindTable(t *testing.T) {
	ap := func(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
	local := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.168.1.5"),
		netip.MustParseAddr("::1"), netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2001:db8::5")}
	for _, tc := range []struct {
		goos  string
		proto Proto
		addr  string
		want  bindPlan
	}{
		{"linux", TCP, "127.0.0.1:80", bindPlan{ReuseAddr: true}},
		{"linux", TCP, "0.0.0.0:80", bindPlan{ReuseAddr: true}},
		{"linux", UDP, "127.0.0.1:53", bindPlan{}},
		{"linux", TCP, "[::1]:80", bindPlan{ReuseAddr: true, V6Only: true}},
		{"darwin", TCP, "127.0.0.1:80", bindPlan{ReuseAddr: true, Probes: []netip.AddrPort{ap("0.0.0.0:80")}}},
		{"darwin", TCP, "192.168.1.5:443", bindPlan{ReuseAddr: true, Probes: []netip.AddrPort{ap("0.0.0.0:443")}}},
		{"darwin", TCP, "[::1]:80", bindPlan{ReuseAddr: true, V6Only: true, Probes: []netip.AddrPort{ap("[::]:80")}}},
		{"darwin", TCP, "0.0.0.0:80", bindPlan{ReuseAddr: true, Probes: []netip.AddrPort{ap("127.0.0.1:80"), ap("192.168.1.5:80")}}},
		{"darwin", TCP, "[::]:80", bindPlan{ReuseAddr: true, V6Only: true, Probes: []netip.AddrPort{ap("[::1]:80"), ap("[2001:db8::5]:80")}}},
		{"darwin", UDP, "127.0.0.1:53", bindPlan{}},
		{"darwin", UDP, "0.0.0.0:53", bindPlan{}},
	} {
		req := Request{Command: CmdBindIPv4, Addr: ap(tc.addr).Addr(), Port: ap(tc.addr).Port(), Proto: tc.proto}
		got := planBind(tc.goos, req, local)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s %s %s: %+v, want %+v", tc.goos, tc.proto, tc.addr, got, tc.want)
		}
	}
}

// TestNoShadowingRealSockets: another uid's server holds a port; a request
// for an overlapping address (specific under wildcard, or the reverse) is
// refused with 48, with Linux's own rule and with the darwin probes run on
// this kernel; a port whose last connection is in TIME_WAIT is granted at
// once.
func TestNoShadowingRealSockets(t *testing.T) {
	needRoot(t)
	for _, goos := range []string{"linux", "darwin"} {
		ts := startServer(t, Config{goos: goos})
		for i, tc := range []struct {
			proto      Proto
			held, want string
		}{
			{TCP, "0.0.0.0:%d", "127.0.0.1:%d"},
			{TCP, "127.0.0.1:%d", "0.0.0.0:%d"},
			{UDP, "0.0.0.0:%d", "127.0.0.1:%d"},
			{UDP, "127.0.0.1:%d", "0.0.0.0:%d"},
		} {
			port := 900 + 10*len(goos) + i
			held, want := fmt.Sprintf(tc.held, port), fmt.Sprintf(tc.want, port)
			cmd := child(t, stranger, "hold-"+tc.proto.String(), ts.socket, held)
			allowLowPorts(cmd)
			if out := serveCmd(t, cmd, "hold"); out != "bound "+held {
				t.Fatalf("uid %d holding %s: %s", stranger, held, out)
			}
			out := runChildOutput(t, nobody, "bind-"+tc.proto.String(), ts.socket, want)
			if out != "error: vmnetd: address already in use" && !strings.Contains(out, "address already in use") {
				t.Errorf("%s plan: %s held by uid %d, the user asked for %s %s: %s", goos, held, stranger, tc.proto, want, out)
			}
		}
		for _, addr := range []string{"127.0.0.1:%d", "0.0.0.0:%d"} {
			addr = fmt.Sprintf(addr, 950+len(goos))
			timeWait(t, ts.client(), addr)
			f, err := ts.client().Bind(context.Background(), TCP, netip.MustParseAddrPort(addr))
			if err != nil {
				t.Fatalf("%s plan: %s with a connection in TIME_WAIT: %v", goos, addr, err)
			}
			f.Close()
		}
	}
}

// timeWait binds addr through the helper, takes one connection and closes
// it from the server side first, which leaves it in TIME_WAIT on addr.
func timeWait(t *testing.T, c Client, addr string) {
	t.Helper()
	f, err := c.Bind(context.Background(), TCP, netip.MustParseAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	dial := strings.Replace(addr, "0.0.0.0", "127.0.0.1", 1)
	conn, err := net.Dial("tcp", dial)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // active close: the server side goes to TIME_WAIT
	io.Copy(io.Discard, conn)
	conn.Close()
	ln.Close()
	if !hasTimeWait(t, dial) {
		t.Fatalf("no connection in TIME_WAIT on %s", dial)
	}
}

// hasTimeWait looks for addr's port in state 06 (TIME_WAIT) in /proc/net/tcp.
func hasTimeWait(t *testing.T, addr string) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skip("no /proc/net/tcp:", err)
	}
	port := netip.MustParseAddrPort(addr).Port()
	want := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "06" {
			return true
		}
	}
	return false
}

func TestSocketErrorsNameTheRealPath(t *testing.T) {
	needRoot(t)
	dir := testDir(t)
	// Long enough that bind(2) fails on sun_path's limit.
	path := dir + "/" + strings.Repeat("s", 120) + ".sock"
	_, err := NewServer(Config{Socket: path, UID: nobody})
	if err == nil || !strings.Contains(err.Error(), path+":") || strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("error %v does not name %s", err, path)
	}
	if !errors.Is(err, syscall.EINVAL) {
		t.Logf("cause: %v", err)
	}
}

// TestDialRetriesStartupWindow: a socket that exists but does not listen
// yet (vmnetd between bind and listen) is retried, not reported at once.
func TestDialRetriesStartupWindow(t *testing.T) {
	path := t.TempDir() + "/s.sock"
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(50 * time.Millisecond); unix.Listen(fd, 1) }()
	conn, err := dialVmnetd(context.Background(), path, time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatalf("dial during the startup window: %v", err)
	}
	conn.Close()
	// A socket nobody listens on still fails, after the window.
	start := time.Now()
	dead := t.TempDir() + "/dead.sock"
	fd2, _ := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	defer unix.Close(fd2)
	unix.Bind(fd2, &unix.SockaddrUnix{Name: dead})
	if _, err := dialVmnetd(context.Background(), dead, time.Now().Add(5*time.Second)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dead socket: %v", err)
	}
	if d := time.Since(start); d < startupWindow || d > 3*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}

// TestAdmissionBucketIsPerUID: the user's stalled connections, old enough
// to be evicted and as many as its soft limit, are none of root's
// business: root's binds go through the server without closing any of
// them, and without a refusal or an eviction counted for root (a second
// line behind TestAdmissionPerUID, through the accept loop).
func TestAdmissionBucketIsPerUID(t *testing.T) {
	needRoot(t)
	const soft = 8
	ts := startServer(t, Config{MaxConns: soft})
	if out := serveChild(t, nobody, "stall", ts.socket, strconv.Itoa(soft)); !strings.HasPrefix(out, "bound 8") {
		t.Fatalf("stalling child: %s", out)
	}
	// All accepted (the child has them open; the count is checked below),
	// and old enough to be evicted.
	waitFor(5*time.Second, func() bool { return ts.admit.count(nobody) == soft })
	time.Sleep(stallGrace + 50*time.Millisecond)
	for i := range 3 {
		f, err := ts.client().Bind(context.Background(), TCP, netip.MustParseAddrPort("127.0.0.1:89"))
		if err != nil {
			t.Fatalf("root's bind %d: %v", i, err)
		}
		f.Close()
	}
	if n := ts.refusals.total(0); n != 0 {
		t.Errorf("%d refusals or evictions counted for root's connections, want none", n)
	}
	if n := ts.admit.count(nobody); n != soft {
		t.Errorf("root's binds left %d of the user's %d connections", n, soft)
	}
	if n := ts.refusals.total(nobody); n != 0 {
		t.Errorf("%d refusals or evictions counted for the user, want none", n)
	}
}

// TestDarwinPlanRefusesByItsProbes: on this Linux kernel an overlapping
// bind is refused by the kernel anyway, so TestNoShadowingRealSockets
// alone cannot tell the darwin plan's probes from no probes. Here the
// refusal must come from the probe ("port held on an overlapping
// address" in vmnetd's log), for a specific address under another uid's
// wildcard listener and for the wildcard over its loopback listener.
func TestDarwinPlanRefusesByItsProbes(t *testing.T) {
	needRoot(t)
	for i, tc := range []struct{ held, want string }{
		{"0.0.0.0:%d", "127.0.0.1:%d"},
		{"127.0.0.1:%d", "0.0.0.0:%d"},
	} {
		ts := startServer(t, Config{goos: "darwin"})
		port := 970 + i
		held, want := fmt.Sprintf(tc.held, port), fmt.Sprintf(tc.want, port)
		cmd := child(t, stranger, "hold-tcp", ts.socket, held)
		allowLowPorts(cmd)
		if out := serveCmd(t, cmd, "hold"); out != "bound "+held {
			t.Fatalf("uid %d holding %s: %s", stranger, held, out)
		}
		if out := runChildOutput(t, nobody, "bind-tcp", ts.socket, want); !strings.Contains(out, "address already in use") {
			t.Fatalf("%s held, %s granted: %s", held, want, out)
		}
		var reasons []string
		waitFor(2*time.Second, func() bool {
			reasons = reasons[:0]
			for _, l := range ts.logs.FilterField(zap.Int("uid", nobody)).All() {
				reasons = append(reasons, fmt.Sprint(l.ContextMap()))
			}
			return strings.Contains(strings.Join(reasons, " "), "port held on an overlapping address")
		})
		if s := strings.Join(reasons, "\n"); !strings.Contains(s, "port held on an overlapping address") {
			t.Errorf("%s held, %s refused, but not by a probe: %s", held, want, s)
		}
	}
}
