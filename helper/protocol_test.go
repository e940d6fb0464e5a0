package helper

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net/netip"
	"testing"
	"testing/iotest"
)

func TestHelloBytes(t *testing.T) {
	b := MarshalHello(Hello{Version: 22, Commit: "abc"})
	if len(b) != HelloSize {
		t.Fatalf("hello is %d bytes, want %d", len(b), HelloSize)
	}
	want := "VMN3T" + "\x16\x00\x00\x00" + "abc" + string(bytes.Repeat([]byte("0"), 37))
	if string(b) != want {
		t.Fatalf("hello = %q, want %q", b, want)
	}
	h, err := ReadHello(iotest.OneByteReader(bytes.NewReader(b)))
	if err != nil || h.Version != 22 || h.Commit[:3] != "abc" {
		t.Fatalf("ReadHello = %+v, %v", h, err)
	}
}

func TestHelloAcceptsAnyVersionRefusesOldMagic(t *testing.T) {
	b := MarshalHello(Hello{Version: 0xdeadbeef})
	if h, err := ReadHello(bytes.NewReader(b)); err != nil || h.Version != 0xdeadbeef {
		t.Fatalf("ReadHello = %+v, %v", h, err)
	}
	if _, err := ReadHello(bytes.NewReader(b[:20])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short hello: err = %v", err)
	}
	// The old 5-byte form is refused without waiting for more bytes.
	if _, err := ReadHello(bytes.NewReader([]byte("VMNET"))); !errors.Is(err, ErrBadMagic) {
		t.Fatalf("old magic: err = %v, want ErrBadMagic", err)
	}
}

func TestBindIPv4Bytes(t *testing.T) {
	req := Request{Command: CmdBindIPv4, Addr: netip.MustParseAddr("127.0.0.1"), Port: 80, Proto: TCP}
	b, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(b), "06"+"0100007f"+"5000"+"00"; got != want {
		t.Fatalf("frame = %s, want %s", got, want)
	}
	// The OCaml client pads to 41 bytes and splits writes: the decoder must
	// read exactly the frame and leave the padding for the drain.
	padded := append(b, make([]byte, VpnkitPadTo-len(b))...)
	r := bytes.NewReader(padded)
	got, err := ReadRequest(iotest.OneByteReader(r))
	if err != nil {
		t.Fatal(err)
	}
	if got.Addr != req.Addr || got.Port != 80 || got.Proto != TCP || got.Command != CmdBindIPv4 {
		t.Fatalf("decoded %+v", got)
	}
	if r.Len() != VpnkitPadTo-len(b) {
		t.Fatalf("decoder consumed padding: %d bytes left", r.Len())
	}
}

func TestBindIPv6AndUDP(t *testing.T) {
	req := Request{Command: CmdBindIPv6, Addr: netip.MustParseAddr("::1"), Port: 53, Proto: UDP}
	b, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := "40" + "00000000000000000000000000000001" + "3500" + "01"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("frame = %s, want %s", got, want)
	}
	got, err := ReadRequest(bytes.NewReader(b))
	if err != nil || got.Addr != req.Addr || got.Proto != UDP || got.Port != 53 {
		t.Fatalf("decoded %+v, %v", got, err)
	}
}

func TestDecoderRefusesBadFrames(t *testing.T) {
	for name, tc := range map[string]struct {
		frame string
		want  error
	}{
		"unknown command": {"07", ErrUnknownCommand},
		"bad transport":   {"06" + "0100007f" + "5000" + "02", ErrBadProto},
		"short bind":      {"06" + "0100", io.ErrUnexpectedEOF},
		"oversize policy": {"43" + "ffffffff", ErrTooLarge},
		"short policy":    {"43" + "05000000" + "7b7d", io.ErrUnexpectedEOF},
		"empty":           {"", io.EOF},
	} {
		b, _ := hex.DecodeString(tc.frame)
		if _, err := ReadRequest(bytes.NewReader(b)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestPolicySetFrameAndReplies(t *testing.T) {
	req := Request{Command: CmdPolicySet, Payload: []byte(`{"a":1}`)}
	b, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(b[:5]), "4307000000"; got != want {
		t.Fatalf("header = %s, want %s", got, want)
	}
	got, err := ReadRequest(bytes.NewReader(b))
	if err != nil || string(got.Payload) != `{"a":1}` {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	if _, err := (Request{Command: CmdPolicySet, Payload: make([]byte, MaxPolicyFrame+1)}).Marshal(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversize marshal: %v", err)
	}
	if got := hex.EncodeToString(MarshalStatus(StatusAddrInUse)); got != "3000000000000000" {
		t.Fatalf("status 48 = %s", got)
	}
	st, body, err := ReadReply(bytes.NewReader(MarshalReply(StatusFailed, []byte("no"))))
	if err != nil || st != StatusFailed || string(body) != "no" {
		t.Fatalf("reply = %d %q %v", st, body, err)
	}
}

// FuzzReadRequest checks the decoder never panics, never reads past the
// frame it decodes, and that whatever it accepts re-encodes to the same bytes.
func FuzzReadRequest(f *testing.F) {
	for _, s := range []string{
		"060100007f500000", "060100007f5000000000", "4000000000000000000000000000000001350001",
		"4307000000" + hex.EncodeToString([]byte(`{"a":1}`)), "41", "42", "44", "07", "43ffffffff", "",
	} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		req, err := ReadRequest(iotest.HalfReader(r))
		if err != nil {
			return
		}
		consumed := len(data) - r.Len()
		again, err := req.Marshal()
		if err != nil {
			t.Fatalf("accepted %x but cannot re-encode %+v: %v", data, req, err)
		}
		if !bytes.Equal(again, data[:consumed]) {
			t.Fatalf("re-encoded %x, decoded from %x", again, data[:consumed])
		}
	})
}

func FuzzReadHello(f *testing.F) {
	f.Add(MarshalHello(Hello{Version: 22}))
	f.Add([]byte("VMNET"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadHello(bytes.NewReader(data))
		if err != nil {
			return
		}
		if !bytes.Equal(MarshalHello(h), data[:HelloSize]) {
			t.Fatalf("hello does not round-trip: %x", data[:HelloSize])
		}
	})
}
