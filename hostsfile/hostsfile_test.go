package hostsfile

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/macfleet/installer/hostsfile/block"
)

// The stock files, byte for byte: macOS 15 and Debian 12 after install.
const (
	macOSHosts = "##\n# Host Database\n#\n# localhost is used to configure the loopback interface\n" +
		"# when the system is booting.  Do not change this entry.\n##\n" +
		"127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n::1             localhost\n"
	debianHosts = "127.0.0.1\tlocalhost\n127.0.1.1\t<hostname>\n\n" +
		"# The following lines are desirable for IPv6 capable hosts\n" +
		"::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"
	// What Docker Desktop appends when it manages the file itself.
	dockerDesktopHosts = "127.0.0.1\tlocalhost\n" +
		"# Added by Docker Desktop\n" +
		"# To allow the same kube context to work on the host and the container:\n" +
		"127.0.0.1 kubernetes.docker.internal\n" +
		"# End of section\n"
)

var (
	loopback  = netip.MustParseAddr("127.0.0.1")
	localhost = Entry{IP: loopback, Name: "localhost"}
	kube      = Entry{IP: loopback, Name: "kubernetes.docker.internal"}
	onlyLocal = []Entry{localhost}
	withKube  = []Entry{localhost, kube}
)

const (
	begin    = "# BEGIN docker installer"
	end      = "# END docker installer"
	disabled = "#docker-disabled# "
	kubeLine = "127.0.0.1 kubernetes.docker.internal"
	lhLine   = "127.0.0.1 localhost"
)

// ourBlock is our block with LF endings.
func ourBlock(lines ...string) string {
	return begin + "\n" + strings.Join(lines, "\n") + "\n" + end + "\n"
}

func TestEnsure(t *testing.T) {
	tests := []struct {
		name string
		old  string
		want []Entry
		out  string // "" with unchanged: old comes back as is
	}{
		{name: "macOS stock, localhost only", old: macOSHosts, want: onlyLocal},
		{name: "macOS stock, kubernetes", old: macOSHosts, want: withKube,
			out: macOSHosts + ourBlock(kubeLine)},
		{name: "Debian stock, localhost only", old: debianHosts, want: onlyLocal},
		{name: "Debian stock, kubernetes", old: debianHosts, want: withKube,
			out: debianHosts + ourBlock(kubeLine)},
		{name: "Docker Desktop block satisfies kubernetes", old: dockerDesktopHosts, want: withKube},
		{name: "empty file", old: "", want: withKube,
			out: ourBlock(lhLine, kubeLine)},
		{name: "only comments", old: "# managed by hand\n#\n", want: onlyLocal,
			out: "# managed by hand\n#\n" + ourBlock(lhLine)},
		{name: "CRLF file", old: "127.0.0.1 localhost\r\n::1 localhost\r\n", want: withKube,
			out: "127.0.0.1 localhost\r\n::1 localhost\r\n" + begin + "\r\n" + kubeLine + "\r\n" + end + "\r\n"},
		{name: "missing final newline stays missing", old: "127.0.0.1 localhost", want: withKube,
			out: "127.0.0.1 localhost\n" + begin + "\n" + kubeLine + "\n" + end},
		{name: "missing final newline, CRLF", old: "# hosts\r\n::1 localhost", want: onlyLocal,
			out: "# hosts\r\n::1 localhost\r\n" + begin + "\r\n" + lhLine + "\r\n" + end},
		{name: "last line ends in a lone CR", old: "a\r", want: onlyLocal,
			out: "a\r\n" + begin + "\n" + lhLine + "\n" + end},
		{name: "CRs before the line break are not part of the name", old: "127.0.0.1 localhost\r\r\n", want: onlyLocal},
		{name: "last line ends in CRs in a CRLF file", old: "::1 x\r\n10.0.0.1 localhost\r", want: onlyLocal,
			out: "::1 x\r\n" + disabled + "10.0.0.1 localhost\r\r\n" + begin + "\r\n" + lhLine + "\r\n" + end},
		{name: "conflict disabled, satisfied further down", old: "10.0.0.1 localhost\n127.0.0.1 localhost\n", want: onlyLocal,
			out: disabled + "10.0.0.1 localhost\n127.0.0.1 localhost\n"},
		{name: "conflict disabled, entry added", old: "0.0.0.0\tlocalhost # ad blocker\n", want: onlyLocal,
			out: disabled + "0.0.0.0\tlocalhost # ad blocker\n" + ourBlock(lhLine)},
		{name: "conflict in CRLF file", old: "10.0.0.1 localhost\r\n", want: onlyLocal,
			out: disabled + "10.0.0.1 localhost\r\n" + begin + "\r\n" + lhLine + "\r\n" + end + "\r\n"},
		{name: "conflict on an alias, case-insensitive", old: "10.0.0.1 db Kubernetes.Docker.Internal\n", want: withKube,
			out: disabled + "10.0.0.1 db Kubernetes.Docker.Internal\n" + ourBlock(lhLine, kubeLine)},
		{name: "IPv6 lines never conflict", old: "::1 localhost\nfe80::1%lo0 localhost\n", want: onlyLocal,
			out: "::1 localhost\nfe80::1%lo0 localhost\n" + ourBlock(lhLine)},
		{name: "other loopback address is no conflict and no match", old: "127.0.1.1 localhost\n", want: onlyLocal,
			out: "127.0.1.1 localhost\n" + ourBlock(lhLine)},
		{name: "aliases", old: "127.0.0.1 foo localhost bar\n", want: onlyLocal},
		{name: "inline comment after the name", old: "127.0.0.1 localhost # comment\n", want: onlyLocal},
		{name: "comment glued to the name", old: "10.0.0.1 localhost#vpn\n127.0.0.1 localhost#lo\n", want: onlyLocal,
			out: disabled + "10.0.0.1 localhost#vpn\n127.0.0.1 localhost#lo\n"},
		{name: "name inside a comment does not count", old: "127.0.0.1 # localhost\n", want: onlyLocal,
			out: "127.0.0.1 # localhost\n" + ourBlock(lhLine)},
		{name: "commented-out line does not count", old: "#127.0.0.1 localhost\n", want: onlyLocal,
			out: "#127.0.0.1 localhost\n" + ourBlock(lhLine)},
		{name: "tabs", old: "\t127.0.0.1\t\tlocalhost\t\n", want: onlyLocal},
		{name: "upper case", old: "127.0.0.1 LOCALHOST\n", want: onlyLocal},
		{name: "longer name is not the name", old: "127.0.0.1 localhost.localdomain\n", want: onlyLocal,
			out: "127.0.0.1 localhost.localdomain\n" + ourBlock(lhLine)},
		{name: "NUL bytes and invalid UTF-8 kept", old: "\x00\xff\xfe\t127.0.0.1 localhost\n\xc3(\n", want: withKube,
			out: "\x00\xff\xfe\t127.0.0.1 localhost\n\xc3(\n" + ourBlock(lhLine, kubeLine)},
		{name: "block in the middle is moved to the end", old: ourBlock(lhLine) + "10.1.1.1 db\n", want: onlyLocal,
			out: "10.1.1.1 db\n" + ourBlock(lhLine)},
		{name: "two blocks become one", old: ourBlock(lhLine) + "10.1.1.1 db\n" + ourBlock(kubeLine), want: withKube,
			out: "10.1.1.1 db\n" + ourBlock(lhLine, kubeLine)},
		{name: "our block already right", old: "10.1.1.1 db\n" + ourBlock(lhLine, kubeLine), want: withKube},
		{name: "block no longer needed", old: "127.0.0.1 localhost\n" + ourBlock(lhLine), want: onlyLocal,
			out: "127.0.0.1 localhost\n"},
		{name: "kubernetes added", old: "# x\n" + ourBlock(lhLine), want: withKube,
			out: "# x\n" + ourBlock(lhLine, kubeLine)},
		{name: "kubernetes removed", old: "# x\n" + ourBlock(lhLine, kubeLine), want: onlyLocal,
			out: "# x\n" + ourBlock(lhLine)},
		{name: "nothing wanted removes everything of ours",
			old: disabled + "10.0.0.1 localhost\n" + ourBlock(lhLine), want: nil,
			out: "10.0.0.1 localhost\n"},
		{name: "disabled line that no longer conflicts is restored",
			old: disabled + "10.0.0.1 kubernetes.docker.internal\n127.0.0.1 localhost\n", want: onlyLocal,
			out: "10.0.0.1 kubernetes.docker.internal\n127.0.0.1 localhost\n"},
		{name: "restored line can satisfy", old: disabled + "127.0.0.1 localhost\n", want: onlyLocal,
			out: "127.0.0.1 localhost\n"},
		{name: "disabled line still conflicting stays", old: disabled + "10.0.0.1 localhost\n" + ourBlock(lhLine), want: onlyLocal},
		{name: "prefix before a comment is a foreign comment",
			old: disabled + "# END docker installer\n" + disabled + "\n", want: onlyLocal,
			out: disabled + "# END docker installer\n" + disabled + "\n" + ourBlock(lhLine)},
		{name: "orphan markers are foreign text", old: end + "\nfoo\n" + begin + "\n", want: onlyLocal,
			out: end + "\nfoo\n" + begin + "\n" + ourBlock(lhLine)},
		{name: "orphan BEGIN before a block", old: begin + "\n10.1.1.1 db\n" + ourBlock(lhLine), want: onlyLocal},
		{name: "other products' blocks are foreign",
			old: "# BEGIN podman installer\n127.0.0.1 localhost\n# END podman installer\n", want: onlyLocal},
		{name: "marker with trailing text is foreign", old: begin + " v2\n", want: onlyLocal,
			out: begin + " v2\n" + ourBlock(lhLine)},
		{name: "duplicate wanted entries written once", old: "", want: []Entry{localhost, {IP: loopback, Name: "LOCALHOST"}},
			out: ourBlock(lhLine)},
		{name: "non-loopback wanted entry is no conflict with itself",
			old: "10.0.0.1 k\n10.0.0.2 k\n", want: []Entry{{IP: netip.MustParseAddr("10.0.0.1"), Name: "k"}},
			out: "10.0.0.1 k\n" + disabled + "10.0.0.2 k\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := []byte(tt.old)
			out, changed := Ensure(old, "docker", tt.want)
			if tt.out == "" {
				if changed || string(out) != tt.old {
					t.Fatalf("Ensure changed the file:\n got %q\nwant %q", out, tt.old)
				}
				if len(old) > 0 && &out[0] != &old[0] {
					t.Fatalf("Ensure returned a copy of an unchanged file")
				}
			} else if !changed || string(out) != tt.out {
				t.Fatalf("Ensure (changed %v):\n got %q\nwant %q", changed, out, tt.out)
			}
			// Every golden case must also be canonical and undoable.
			checkRoundTrip(t, old, "docker", tt.want)
		})
	}
}

func TestRemove(t *testing.T) {
	tests := []struct {
		name, old, out string // out "" means unchanged
	}{
		{name: "macOS stock", old: macOSHosts},
		{name: "Docker Desktop block is not ours", old: dockerDesktopHosts},
		{name: "block and disabled line", old: disabled + "10.0.0.1 localhost\n::1 localhost\n" + ourBlock(lhLine),
			out: "10.0.0.1 localhost\n::1 localhost\n"},
		{name: "missing final newline comes back", old: "::1 localhost\n" + begin + "\n" + lhLine + "\n" + end,
			out: "::1 localhost"},
		{name: "CRLF missing final newline comes back", old: "::1 localhost\r\n" + begin + "\r\n" + lhLine + "\r\n" + end,
			out: "::1 localhost"},
		{name: "only the LF of a CR LF pair", old: "a\r\n" + begin + "\n" + lhLine + "\n" + end, out: "a\r"},
		{name: "block in the middle", old: "a\n" + ourBlock(lhLine) + "b\n", out: "a\nb\n"},
		{name: "block only", old: ourBlock(lhLine, kubeLine), out: "\x00"},
		{name: "nested markers are one block", old: "a\n" + begin + "\n" + begin + "\n" + end + "\n" + end + "\nb\n", out: "a\nb\n"},
		{name: "orphans stay", old: end + "\n" + begin + "\nx\n" + begin + "\n" + end + "\n", out: end + "\n" + begin + "\nx\n"},
		{name: "disabled prefix before a comment is foreign", old: disabled + "# x\n"},
		{name: "disabled prefix of another product is foreign", old: "#podman-disabled# 10.0.0.1 localhost\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changed := Remove([]byte(tt.old), "docker")
			want, wantChanged := tt.out, true
			switch tt.out {
			case "":
				want, wantChanged = tt.old, false
			case "\x00":
				want = ""
			}
			if changed != wantChanged || string(out) != want {
				t.Fatalf("Remove (changed %v):\n got %q\nwant %q", changed, out, want)
			}
		})
	}
}

// TestDisableRestoresExactly is the uninstall story: a conflicting line
// with odd spacing and a comment is disabled, then given back byte for byte.
func TestDisableRestoresExactly(t *testing.T) {
	old := "##\n10.0.0.1   localhost\t# VPN said so\r\n::1 localhost\n"
	out, changed := Ensure([]byte(old), "docker", withKube)
	want := "##\n" + disabled + "10.0.0.1   localhost\t# VPN said so\r\n::1 localhost\n" + ourBlock(lhLine, kubeLine)
	if !changed || string(out) != want {
		t.Fatalf("Ensure:\n got %q\nwant %q", out, want)
	}
	back, changed := Remove(out, "docker")
	if !changed || string(back) != old {
		t.Fatalf("Remove:\n got %q\nwant %q", back, old)
	}
}

func TestInspect(t *testing.T) {
	tests := []struct {
		name string
		old  string
		want Report
	}{
		{name: "stock macOS", old: macOSHosts, want: Report{}},
		{name: "block with both", old: "x\n" + ourBlock(lhLine, kubeLine),
			want: Report{Blocks: 1, Entries: withKube}},
		{name: "disabled lines and a block",
			old:  disabled + "10.0.0.1 localhost\n" + disabled + "0.0.0.0 localhost\n" + ourBlock(lhLine),
			want: Report{Blocks: 1, Disabled: 2, Entries: onlyLocal}},
		{name: "two blocks", old: ourBlock(lhLine) + "x\n" + ourBlock(kubeLine),
			want: Report{Blocks: 2, Entries: withKube}},
		{name: "disabled line inside a block is not counted", old: ourBlock(disabled + "10.0.0.1 localhost"),
			want: Report{Blocks: 1}},
		{name: "foreign comment with prefix", old: disabled + "# x\n", want: Report{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Inspect([]byte(tt.old), "docker"); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Inspect = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInvalidArgumentsPanic(t *testing.T) {
	tests := []struct {
		name    string
		product string
		want    []Entry
	}{
		{"empty product", "", onlyLocal},
		{"product with newline", "doc\nker", onlyLocal},
		{"name with space", "docker", []Entry{{IP: loopback, Name: "a b"}}},
		{"name with #", "docker", []Entry{{IP: loopback, Name: "a#b"}}},
		{"empty name", "docker", []Entry{{IP: loopback}}},
		{"no address", "docker", []Entry{{Name: "localhost"}}},
		{"name too long", "docker", []Entry{{IP: loopback, Name: strings.Repeat("a", 1012)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("Ensure accepted product %q entries %v", tt.product, tt.want)
				}
			}()
			Ensure([]byte(macOSHosts), tt.product, tt.want)
		})
	}
}

// TestLongLines: a 100 KB line full of near-misses, and names at both ends
// of the file, so the jumps between candidates are exercised.
func TestLongLines(t *testing.T) {
	long := "10.0.0.2 " + strings.Repeat("localhos xlocalhost ", 5000) + "\n"
	old := "127.0.0.1 LocalHost\n" + long + "10.0.0.3 kubernetes.docker.internal"
	out, changed := Ensure([]byte(old), "docker", withKube)
	want := "127.0.0.1 LocalHost\n" + long + disabled + "10.0.0.3 kubernetes.docker.internal\n" + begin + "\n" + kubeLine + "\n" + end
	if !changed || string(out) != want {
		t.Fatalf("Ensure on long lines: changed %v, output differs at %d", changed, firstDiff(out, []byte(want)))
	}
	checkRoundTrip(t, []byte(old), "docker", withKube)
}

// TestWindowBoundaries moves a conflicting line and a disabled line across
// the boundaries of the scan's search windows: a byte lost there would be
// a conflict left active.
func TestWindowBoundaries(t *testing.T) {
	for shift := -40; shift <= 40; shift++ {
		pad := strings.Repeat("x", window+shift) + "\n"
		old := pad + "10.0.0.1 localhost\n" + pad + pad + disabled + "10.0.0.2 kubernetes.docker.internal\n" +
			pad + "10.0.0.3\tKubernetes.docker.internal\n"
		out, _ := Ensure([]byte(old), "docker", withKube)
		want := pad + disabled + "10.0.0.1 localhost\n" + pad + pad + disabled + "10.0.0.2 kubernetes.docker.internal\n" +
			pad + disabled + "10.0.0.3\tKubernetes.docker.internal\n" + ourBlock(lhLine, kubeLine)
		if string(out) != want {
			t.Fatalf("shift %d: output differs at byte %d", shift, firstDiff(out, []byte(want)))
		}
		checkRoundTrip(t, []byte(old), "docker", withKube)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if bytes.Equal(a, b) {
		return -1
	}
	return min(len(a), len(b))
}

// TestBlockIsTheSharedFormat: the hosts block is package block's, the
// format the installer's shell blocks use too.
func TestBlockIsTheSharedFormat(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	for _, in := range []string{"", "a b\n", "10.0.0.2 x", "10.0.0.2 x\r\n"} {
		got, _ := Ensure([]byte(in), "docker", []Entry{{lo, "localhost"}})
		want, _ := block.Ensure([]byte(in), block.MustNew("docker"), []string{"127.0.0.1 localhost"})
		if !bytes.Equal(got, want) {
			t.Errorf("%q: hostsfile gives %q, block %q", in, got, want)
		}
	}
}
