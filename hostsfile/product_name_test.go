package hostsfile_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/macfleet/installer/hostsfile"
)

// TestProductNames: a product name may hold spaces and any printable
// byte, up to the length whose marker line ("# BEGIN <name> installer"
// and CRLF) still fits a 1023-byte hosts line; a control character or a
// longer name is a programming error (a panic), never a marker that reads
// back as something else.
func TestProductNames(t *testing.T) {
	plans := func(name string) (ok bool) {
		defer func() { ok = recover() == nil }()
		hostsfile.PlanRemove([]byte("127.0.0.1 localhost\n"), name)
		return true
	}
	longest := strings.Repeat("p", 1023-len("# BEGIN  installer\r\n"))
	for name, ok := range map[string]bool{
		"docker":               true,
		"my product":           true,
		"a~b":                  true,
		longest:                true,
		longest + "p":          false,
		"":                     false,
		"a\x1fb":               false,
		"a\x7fb":               false,
		"a\tb":                 false,
		string([]byte{' ', 0}): false,
	} {
		if got := plans(name); got != ok {
			t.Errorf("product name %q (%d bytes): planned %v, want %v", name, len(name), got, ok)
		}
	}
}

// TestSummaryOurs: Ours is true for content holding a block of ours or a
// line we disabled, false otherwise.
func TestSummaryOurs(t *testing.T) {
	want := []hostsfile.Entry{{IP: netip.MustParseAddr("127.0.0.1"), Name: "kubernetes.docker.internal"}}
	e := hostsfile.Plan([]byte("127.0.0.1 localhost\n"), "docker", want)
	if e.Before.Ours() || !e.After.Ours() {
		t.Errorf("a block added: before %+v ours %v, after %+v ours %v", e.Before, e.Before.Ours(), e.After, e.After.Ours())
	}
	for s, ours := range map[hostsfile.Summary]bool{{}: false, {Blocks: 1}: true, {Disabled: 1}: true, {Entries: 3}: false} {
		if s.Ours() != ours {
			t.Errorf("%+v.Ours() = %v, want %v", s, s.Ours(), ours)
		}
	}
}
