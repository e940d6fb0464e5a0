package helper

import (
	"encoding/base64"
	"howett.net/plist"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckBindRules(t *testing.T) {
	local := func() ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("2001:db8::20")}, nil
	}
	for _, tc := range []struct {
		addr string
		port uint16
		want Status // StatusOK: allowed
	}{
		{"127.0.0.1", 80, StatusOK},
		{"127.0.0.53", 53, StatusOK},
		{"0.0.0.0", 443, StatusOK},
		{"::", 443, StatusOK},
		{"::1", 1, StatusOK},
		{"192.168.1.20", 1023, StatusOK},
		{"2001:db8::20", 22, StatusOK},
		{"127.0.0.1", 0, StatusFailed},
		{"127.0.0.1", 1024, StatusFailed},
		{"127.0.0.1", 8080, StatusFailed},
		{"192.168.1.21", 80, StatusAddrNotAvail},
		{"8.8.8.8", 53, StatusAddrNotAvail},
		{"fe80::1", 80, StatusAddrNotAvail},
		{"224.0.0.251", 53, StatusFailed},
		{"ff02::fb", 53, StatusFailed},
		{"255.255.255.255", 67, StatusFailed},
		{"::ffff:127.0.0.1", 80, StatusFailed},
	} {
		err := checkBind(Request{Addr: netip.MustParseAddr(tc.addr), Port: tc.port}, local)
		got := StatusOK
		if err != nil {
			got = statusOf(err)
		}
		if got != tc.want {
			t.Errorf("%s port %d: status %d (%v), want %d", tc.addr, tc.port, got, err, tc.want)
		}
	}
}

func TestParseProfile(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	doc := func(body string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>` + body + `</dict></plist>`)
	}
	p, err := ParseProfile(doc(`<key>User</key><string>alice</string><key>UID</key><integer>501</integer>
<key>Product</key><string>docker</string><key>Home</key><string>/Users/alice</string>
<key>PolicyKey</key><string>` + key + `</string><key>Receipt</key><array/>`))
	if err != nil || p.UID != 501 || p.User != "alice" || p.Product != "docker" {
		t.Fatalf("profile %+v, %v", p, err)
	}
	if k, err := p.PublicKey(); err != nil || len(k) != 32 {
		t.Fatalf("key %v, %v", k, err)
	}
	const prod = `<key>Product</key><string>docker</string>`
	for want, body := range map[string]string{
		"missing User or Product":  `<key>UID</key><integer>501</integer>` + prod,
		"missing User or Product ": `<key>User</key><string>a</string><key>UID</key><integer>501</integer>`,
		"non-root uid, got 0":      `<key>User</key><string>root</string><key>UID</key><integer>0</integer>` + prod,
		"not base64":               `<key>User</key><string>a</string><key>UID</key><integer>501</integer><key>PolicyKey</key><string>!!</string>` + prod,
		"public key of 32":         `<key>User</key><string>a</string><key>UID</key><integer>501</integer><key>PolicyKey</key><string>AAAA</string>` + prod,
		"not a valid profile":      `<key>User</key><string>a</string><key>UID</key><string>501</string>` + prod,
	} {
		want = strings.TrimSpace(want)
		if _, err := ParseProfile(doc(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

func TestParseProfileRefusesBinary(t *testing.T) {
	data, err := plist.Marshal(map[string]any{"User": "alice", "UID": 501, "Product": "docker"}, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProfile(data); err == nil || !strings.Contains(err.Error(), "binary plist") {
		t.Fatalf("binary profile: %v", err)
	}
}
