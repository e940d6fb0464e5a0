package helper

import (
	"encoding/binary"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestVpnkitGoClientBytes replays what vpnkit's Go client
// (go/pkg/vpnkit/forward/vmnet_darwin.go) puts on the wire: the hello in
// three writes with the version as a uvarint in 4 bytes, the command byte
// alone, the body in three writes, then one recvmsg into a 100-byte buffer
// that looks at the first byte only.
func TestVpnkitGoClientBytes(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	conn := dialRaw(t, ts.socket)
	vb := make([]byte, 4)
	binary.PutUvarint(vb, 22)
	for _, w := range [][]byte{[]byte("VMN3T"), vb, []byte("0d4854a28a379fbe8341b753ae2eb05fc3446f38"),
		{6}, {1, 0, 0, 127}, {81, 0}, {0}} {
		if _, err := conn.Write(w); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if h, err := ReadHello(conn); err != nil || h.Version != 22 {
		t.Fatalf("server hello %+v, %v", h, err)
	}
	fd := recvFD(t, conn, 100, 8)
	checkListening(t, fd, "127.0.0.1:81")
}

// TestVpnkitOCamlClientPadding sends the OCaml client's frame: the hello,
// then the command padded with zeros to 41 bytes in one write. The reply
// must arrive intact and the connection close cleanly afterwards.
func TestVpnkitOCamlClientPadding(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	conn := dialRaw(t, ts.socket)
	cmd := make([]byte, VpnkitPadTo)
	copy(cmd, []byte{6, 1, 0, 0, 127, 82, 0, 1}) // UDP 127.0.0.1:82
	if _, err := conn.Write(append(MarshalHello(Hello{Version: 22}), cmd...)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadHello(conn); err != nil {
		t.Fatal(err)
	}
	fd := recvFD(t, conn, 8, 8)
	f := os.NewFile(uintptr(fd), "udp")
	pc, err := net.FilePacketConn(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if got := pc.LocalAddr().String(); got != "127.0.0.1:82" {
		t.Fatalf("bound %s", got)
	}
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := conn.Read(make([]byte, 16)); n != 0 || !isEOFish(err) {
		t.Fatalf("after the reply: read %d, %v; want EOF", n, err)
	}
}

func dialRaw(t *testing.T, socket string) *net.UnixConn {
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socket, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// recvFD does one recvmsg and checks it holds exactly the 8-byte status 0
// and one fd.
func recvFD(t *testing.T, c *net.UnixConn, bufSize, want int) int {
	buf := make([]byte, bufSize)
	oob := make([]byte, syscall.CmsgSpace(4))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil || n != want || binary.LittleEndian.Uint64(buf[:8]) != 0 {
		t.Fatalf("reply: %d bytes %x, %v", n, buf[:n], err)
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages: %v %v", msgs, err)
	}
	fds, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("fds: %v %v", fds, err)
	}
	return fds[0]
}

func checkListening(t *testing.T, fd int, addr string) {
	f := os.NewFile(uintptr(fd), "tcp")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() != addr {
		t.Fatalf("listening on %s, want %s", ln.Addr(), addr)
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
