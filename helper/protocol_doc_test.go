package helper

import (
	"crypto/ed25519"
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

// TestProtocolDocMatchesCode checks the statements of PROTOCOL.md that the
// code defines: vpnkit's command numbers, the refusal wording for
// addresses (0.0.0.0 and :: are accepted) and the signed bytes of a
// versioned envelope.
func TestProtocolDocMatchesCode(t *testing.T) {
	b, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		"commands 1 (ethernet) and 8 (preferred IPv4)",
		"The unspecified addresses `0.0.0.0` and `::` are accepted.",
		"`32 0a 7b 22 61 6c …` = `2\\n{\"allowedRegistries\": [\"docker.io\"]}`",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("PROTOCOL.md does not say %q", want)
		}
	}
	for _, wrong := range []string{"2 (preferred IPv4)", "not a unicast address"} {
		if strings.Contains(doc, wrong) {
			t.Errorf("PROTOCOL.md still says %q", wrong)
		}
	}
	if cmdVpnkitPreferredIPv4 != 8 || cmdVpnkitEthernet != 1 || CmdBindIPv4 != 6 {
		t.Fatal("vpnkit command numbers")
	}
	// The example's signed bytes, as SignPolicy produces them.
	_, priv, _ := ed25519.GenerateKey(nil)
	env, _ := SignPolicy(priv, 2, []byte(`{"allowedRegistries": ["docker.io"]}`))
	o, err := openEnvelope(env)
	if err != nil || string(signedBytes(o.version, o.policy)) != "2\n{\"allowedRegistries\": [\"docker.io\"]}" {
		t.Fatalf("signed bytes of the example: %q, %v", signedBytes(o.version, o.policy), err)
	}
	if !ed25519.Verify(priv.Public().(ed25519.PublicKey), []byte("2\n{\"allowedRegistries\": [\"docker.io\"]}"), o.sig) {
		t.Fatal("the example's signature is not over the documented bytes")
	}
}

// TestVpnkitOtherCommandsRefused: vpnkit's ethernet (1) and preferred-IPv4
// (8) commands get the 8-byte status 1 and a close.
func TestVpnkitOtherCommandsRefused(t *testing.T) {
	needRoot(t)
	ts := startServer(t, Config{})
	for _, cmd := range []Command{cmdVpnkitEthernet, cmdVpnkitPreferredIPv4} {
		conn := dialRaw(t, ts.socket)
		conn.Write(append(MarshalHello(Hello{Version: 22}), byte(cmd)))
		if _, err := ReadHello(conn); err != nil {
			t.Fatal(err)
		}
		var st [8]byte
		if _, err := conn.Read(st[:]); err != nil || binary.LittleEndian.Uint64(st[:]) != 1 {
			t.Fatalf("command %d: status %v, %v", cmd, st, err)
		}
		conn.Close()
	}
}
