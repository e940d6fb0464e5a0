package helper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestNobodyServesHTTPOnPort80ThroughHelper(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	out := serveChild(t, nobody, "serve-tcp", ts.socket, "127.0.0.1:80")
	if !strings.Contains(out, "direct: listen tcp4 127.0.0.1:80: bind: permission denied") {
		t.Fatalf("direct bind as nobody was not denied:\n%s", out)
	}
	if !strings.Contains(out, "bound tcp 127.0.0.1:80 via helper") {
		t.Fatalf("helper bind failed:\n%s", out)
	}
	var body string
	if curl, err := exec.LookPath("curl"); err == nil {
		b, err := exec.Command(curl, "-sS", "--max-time", "5", "http://127.0.0.1:80/").CombinedOutput()
		if err != nil {
			t.Fatalf("curl: %v: %s", err, b)
		}
		body = string(b)
	} else {
		resp, err := http.Get("http://127.0.0.1:80/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
	}
	if want := fmt.Sprintf("hello from uid %d via vmnetd\n", nobody); body != want {
		t.Fatalf("banner = %q, want %q", body, want)
	}
}

func TestNobodyServesUDPOnPort53ThroughHelper(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	out := serveChild(t, nobody, "serve-udp", ts.socket, "127.0.0.1:53")
	if !strings.Contains(out, "bound udp 127.0.0.1:53 via helper") {
		t.Fatalf("helper bind failed:\n%s", out)
	}
	c, err := net.Dial("udp4", "127.0.0.1:53")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "echo ping" {
		t.Fatalf("datagram reply = %q, %v", buf[:n], err)
	}
}

func TestStrangerIsRefused(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	// With the socket at 0600 the kernel stops the stranger at connect(2).
	out := runChildOutput(t, stranger, "bind", ts.socket, "127.0.0.1:80")
	if !strings.Contains(out, "connect: permission denied") {
		t.Fatalf("stranger reached a 0600 socket: %s", out)
	}
	// Even if the mode were wrong, the peer uid check closes it at accept,
	// counts it and logs it; the error names the socket the user knows.
	if err := os.Chmod(ts.socket, 0o666); err != nil {
		t.Fatal(err)
	}
	out = runChildOutput(t, stranger, "bind", ts.socket, "127.0.0.1:80")
	if !strings.Contains(out, "vmnetd closes connections of any uid but root") || strings.Contains(out, ".tmp") {
		t.Fatalf("stranger was not refused at accept, or the error names another socket: %s", out)
	}
	if !strings.Contains(out, ts.socket+":") {
		t.Fatalf("the error does not name %s: %s", ts.socket, out)
	}
	if n := ts.refusals.total(stranger); n != 1 {
		t.Fatalf("%d refusals of uid %d counted, want 1", n, stranger)
	}
	refused := ts.logs.FilterMessage("refused connections").All()
	if len(refused) != 1 || refused[0].ContextMap()["uid"] != int64(stranger) {
		t.Fatalf("refusal not logged with the uid: %+v", refused)
	}
	// nobody still gets served.
	if out := runChildOutput(t, nobody, "bind", ts.socket, "127.0.0.1:80"); out != "bound" {
		t.Fatalf("nobody: %s", out)
	}
}

func TestBindRules(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	c := ts.client()
	ctx := context.Background()
	held, err := net.Listen("tcp4", "127.0.0.1:83")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, tc := range []struct {
		proto Proto
		addr  string
		want  error // nil: success
	}{
		{TCP, "127.0.0.1:80", nil},
		{UDP, "0.0.0.0:79", nil},
		{TCP, "127.0.0.1:1", nil},
		{TCP, "127.0.0.1:1023", nil},
		{TCP, "127.0.0.1:8080", &StatusError{Status: StatusFailed}},
		{TCP, "127.0.0.1:0", &StatusError{Status: StatusFailed}},
		{TCP, "127.0.0.1:1024", &StatusError{Status: StatusFailed}},
		{UDP, "224.0.0.1:80", &StatusError{Status: StatusFailed}},
		{TCP, "192.0.2.1:80", syscall.EADDRNOTAVAIL},
		{TCP, "127.0.0.1:83", syscall.EADDRINUSE},
	} {
		ap := netip.MustParseAddrPort(tc.addr)
		f, err := c.Bind(ctx, tc.proto, ap)
		if f != nil {
			f.Close()
		}
		var se *StatusError
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%s %s: %v", tc.proto, tc.addr, err)
		case tc.want == nil:
		case errors.As(tc.want, &se):
			var got *StatusError
			if !errors.As(err, &got) || got.Status != se.Status {
				t.Errorf("%s %s: err = %v, want status %d", tc.proto, tc.addr, err, se.Status)
			}
		case !errors.Is(err, tc.want):
			t.Errorf("%s %s: err = %v, want %v", tc.proto, tc.addr, err, tc.want)
		}
	}
	if got := ts.refusals.total(0); got != 6 {
		t.Errorf("%d refusals counted, want 6", got)
	}
	// Six refusals within a second make at most one line now and one
	// summary line when the second is over.
	if got := ts.logs.FilterMessage("refused connections").Len(); got != 1 {
		t.Errorf("%d refusal lines logged at once, want 1", got)
	}
}

func TestBoundTCPSocketIsListeningAndIPv6Works(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	for _, addr := range []string{"127.0.0.1:85", "[::1]:85"} {
		ap := netip.MustParseAddrPort(addr)
		f, err := ts.client().Bind(context.Background(), TCP, ap)
		if err != nil {
			if ap.Addr().Is6() && errors.Is(err, syscall.EADDRNOTAVAIL) {
				t.Log("no IPv6 loopback here; skipping", addr)
				continue
			}
			t.Fatal(addr, err)
		}
		// Connect before wrapping: only a listening socket accepts this.
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("%s: not listening when received: %v", addr, err)
		}
		c.Close()
		f.Close()
	}
}

func TestRebindReleasedPortAtOnce(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	c := ts.client()
	ctx := context.Background()
	for i := range 300 {
		proto := []Proto{TCP, UDP}[i%2]
		f, err := c.Bind(ctx, proto, netip.MustParseAddrPort("127.0.0.1:84"))
		if err != nil {
			t.Fatalf("round %d (%s): %v", i, proto, err)
		}
		if proto == TCP && i%10 == 0 {
			// Leave a connection in TIME_WAIT behind: still rebinds.
			ln, err := net.FileListener(f)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := net.Dial("tcp", "127.0.0.1:84")
			if err != nil {
				t.Fatal(err)
			}
			s, _ := ln.Accept()
			s.Close()
			conn.Close()
			ln.Close()
		}
		f.Close()
	}
}

func TestStalledClientIsDroppedWhileOthersAreServed(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{Timeout: 400 * time.Millisecond})
	stalled, err := net.Dial("unix", ts.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	start := time.Now()
	if _, err := stalled.Write(MarshalHello(Hello{})[:20]); err != nil { // half a hello
		t.Fatal(err)
	}
	// Others are served while it stalls.
	for range 5 {
		f, err := ts.client().Bind(context.Background(), TCP, netip.MustParseAddrPort("127.0.0.1:86"))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if served := time.Since(start); served > 300*time.Millisecond {
		t.Errorf("others were served only after %v", served)
	}
	stalled.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = stalled.Read(make([]byte, 1))
	if !isEOFish(err) {
		t.Fatalf("stalled client: read err = %v, want EOF", err)
	}
	if d := time.Since(start); d < 350*time.Millisecond || d > 3*time.Second {
		t.Fatalf("stalled client dropped after %v, want about 400ms", d)
	}
}

func TestManyRequestsLeakNoFD(t *testing.T) {
	needRoot(t)
	n := 10000
	if testing.Short() {
		n = 1000
	}
	ts := startServer(t, Config{})
	c := ts.client()
	ctx := context.Background()
	request := func(i int) {
		addr := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", 100+i%4))
		switch i % 50 {
		case 7: // refused port
			addr = netip.MustParseAddrPort("127.0.0.1:8080")
		case 9: // refused peer-less junk: a bad hello
			if conn, err := net.Dial("unix", ts.socket); err == nil {
				conn.Write([]byte("VMNETxxxx"))
				io.Copy(io.Discard, conn)
				conn.Close()
			}
			return
		}
		f, err := c.Bind(ctx, Proto(i%2), addr)
		if err == nil {
			f.Close()
		}
	}
	request(0)
	// Let the first connection's handler finish before counting.
	before := countFDs(t)
	for stable := 0; stable < 5; time.Sleep(20 * time.Millisecond) {
		if n := countFDs(t); n == before {
			stable++
		} else {
			before, stable = n, 0
		}
	}
	var wg sync.WaitGroup
	const workers = 4
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				request(i)
			}
		}()
	}
	wg.Wait()
	var after int
	if !waitFor(3*time.Second, func() bool { after = countFDs(t); return after == before }) {
		t.Fatalf("open fds: %d before %d requests, %d after", before, n, after)
	}
}

func countFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

func TestHelperAbsentError(t *testing.T) {
	needRoot(t)
	dir := testDir(t)
	stale := filepath.Join(dir, "com.docker.vmnetd.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	os.Chmod(stale, 0o777)
	out := runChildOutput(t, nobody, "listen-tcp", stale, "127.0.0.1:80")
	want := "error: Ports are not available: exposing port TCP 127.0.0.1:80 -> 0.0.0.0:0: failed to connect to " +
		stale + ": is vmnetd running?: dial unix " + stale + ": connect: connection refused"
	if out != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	missing := filepath.Join(dir, "none.sock")
	out = runChildOutput(t, nobody, "listen-tcp", missing, "127.0.0.1:80")
	if !strings.HasSuffix(out, "is vmnetd running?: dial unix "+missing+": connect: no such file or directory") {
		t.Fatalf("missing socket: %s", out)
	}
}

func TestRootAndHighPortsBindDirectly(t *testing.T) {
	c := Client{Socket: "/nonexistent/vmnetd.sock"}
	ln, via, err := c.ListenTCP(context.Background(), "127.0.0.1:0")
	if err != nil || via != ViaDirect {
		t.Fatalf("ListenTCP = %v, %v", via, err)
	}
	ln.Close()
	pc, via, err := c.ListenUDP(context.Background(), "127.0.0.1:0")
	if err != nil || via != ViaDirect {
		t.Fatalf("ListenUDP = %v, %v", via, err)
	}
	// A port in use is reported, not sent to the helper.
	_, _, err = c.ListenUDP(context.Background(), pc.LocalAddr().String())
	pc.Close()
	want := "Ports are not available: exposing port UDP " + pc.LocalAddr().String() + " -> 0.0.0.0:0: listen udp4 " + pc.LocalAddr().String() + ": bind: address already in use"
	if err == nil || err.Error() != want {
		t.Fatalf("in use: %v\nwant %s", err, want)
	}
}
