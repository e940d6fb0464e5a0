package hostsfile

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// fuzzWants are the wanted sets the fuzzer picks from with a selector
// byte: the installer's two, plus an IPv6 entry and a non-loopback one so
// that "a conflict is a non-loopback IPv4 address nobody wants" is tested
// from both sides.
var fuzzEntries = []Entry{
	{IP: netip.MustParseAddr("127.0.0.1"), Name: "localhost"},
	{IP: netip.MustParseAddr("127.0.0.1"), Name: "kubernetes.docker.internal"},
	{IP: netip.MustParseAddr("::1"), Name: "LocalHost"},
	{IP: netip.MustParseAddr("10.0.0.1"), Name: "k"},
}

func fuzzArgs(sel uint8) (product string, want []Entry) {
	product = "docker"
	if sel&0x80 != 0 {
		product = "d" // short markers are easier for the fuzzer to write
	}
	for i, e := range fuzzEntries {
		if sel&(1<<i) != 0 {
			want = append(want, e)
		}
	}
	return product, want
}

func FuzzRoundTrip(f *testing.F) {
	seeds := []string{
		macOSHosts, debianHosts, "", "a\r", "127.0.0.1 localhost",
		"10.0.0.1 localhost\r\n::1 localhost\r\n",
		dockerDesktopHosts,
		"# BEGIN docker installer\n127.0.0.1 localhost\n# END docker installer\nfoo\n",
		"# BEGIN d installer\n# BEGIN d installer\n# END d installer\n# END d installer\n",
		"#docker-disabled# 10.0.0.1 localhost\n#d-disabled# 10.0.0.1 k\n#docker-disabled# # END docker installer\n",
		"::1 x\r\n10.0.0.1 localhost\r\r",
		"# BEGIN d installer\r\r\n127.0.0.1 localhost\n# END d installer\r",
	}
	for _, s := range seeds {
		for _, sel := range []uint8{0x01, 0x03, 0x0f, 0x80 | 0x0b, 0} {
			f.Add([]byte(s), sel)
		}
	}
	f.Fuzz(func(t *testing.T, x []byte, sel uint8) {
		product, want := fuzzArgs(sel)
		checkRoundTrip(t, x, product, want)
	})
}

func checkRoundTrip(t *testing.T, x []byte, product string, want []Entry) {
	t.Helper()
	orig := bytes.Clone(x)
	out, changed := Ensure(x, product, want)
	if !bytes.Equal(x, orig) {
		t.Fatalf("Ensure modified its input")
	}
	if ref := refEnsure(string(x), product, want); string(out) != ref {
		t.Fatalf("Ensure(%q)\n got %q\nwant %q (reference)", x, out, ref)
	}
	if changed == bytes.Equal(out, x) {
		t.Fatalf("Ensure(%q): changed=%v but output %q", x, changed, out)
	}
	if !changed && len(x) > 0 && &out[0] != &x[0] {
		t.Fatalf("Ensure(%q): unchanged but returned a copy", x)
	}

	base, rchanged := Remove(x, product)
	if ref := refEnsure(string(x), product, nil); string(base) != ref {
		t.Fatalf("Remove(%q)\n got %q\nwant %q (reference)", x, base, ref)
	}
	if rchanged == bytes.Equal(base, x) {
		t.Fatalf("Remove(%q): changed=%v but output %q", x, rchanged, base)
	}
	if back, _ := Remove(out, product); !bytes.Equal(back, base) {
		t.Fatalf("Remove(Ensure(%q)) = %q, want Remove(x) = %q", x, back, base)
	}
	if again, ch := Ensure(out, product, want); ch || !bytes.Equal(again, out) {
		t.Fatalf("Ensure(Ensure(%q)) = %q (changed %v), want %q", x, again, ch, out)
	}
	if again, ch := Remove(base, product); ch || !bytes.Equal(again, base) {
		t.Fatalf("Remove(Remove(%q)) = %q (changed %v)", x, again, ch)
	}
	if fromBase, _ := Ensure(base, product, want); !bytes.Equal(fromBase, out) {
		t.Fatalf("Ensure(Remove(%q)) = %q, want Ensure(x) = %q", x, fromBase, out)
	}
	if !bytes.Contains(x, []byte(" installer")) && !bytes.Contains(x, []byte("-disabled# ")) && rchanged {
		t.Fatalf("Remove(%q) changed a file with nothing of ours: %q", x, base)
	}
	checkResolves(t, out, product, want)
	if r := Inspect(out, product); r.Blocks > 1 {
		t.Fatalf("Ensure(%q) left %d blocks", x, r.Blocks)
	}
	checkPlan(t, Plan(x, product, want), x, out, changed, product)
	checkPlan(t, PlanRemove(x, product), x, base, rchanged, product)
}

// checkPlan asserts that an Edit streams exactly the bytes Ensure or
// Remove build and that its summaries are what Inspect reads in the old
// and the new content.
func checkPlan(t *testing.T, e Edit, x, out []byte, changed bool, product string) {
	t.Helper()
	if e.Changed != changed {
		t.Fatalf("Plan(%q).Changed = %v, want %v", x, e.Changed, changed)
	}
	var w bytes.Buffer
	if _, err := e.WriteTo(&w); err != nil || !bytes.Equal(w.Bytes(), out) || e.Len() != len(out) {
		t.Fatalf("Plan(%q) writes %q (len %d), want %q", x, w.Bytes(), e.Len(), out)
	}
	sum := func(r Report) Summary {
		return Summary{Blocks: r.Blocks, Entries: len(r.Entries), Disabled: r.Disabled}
	}
	if b, a := sum(Inspect(x, product)), sum(Inspect(out, product)); e.Before != b || e.After != a {
		t.Fatalf("Plan(%q): before %+v after %+v, want %+v and %+v (Inspect)", x, e.Before, e.After, b, a)
	}
}

// checkResolves asserts what the resolver will see in out: every wanted
// entry is on an active line, and no active line sends a wanted name to a
// non-loopback IPv4 address nobody wants for it.
func checkResolves(t *testing.T, out []byte, product string, want []Entry) {
	t.Helper()
	for _, l := range refLines(string(out)) {
		ip, names, ok := refParse(l.text)
		if !ok {
			continue
		}
		for _, n := range names {
			if refConflicts(ip, n, want) {
				t.Fatalf("Ensure left active line %q in %q", l.text, out)
			}
		}
	}
	for _, e := range want {
		found := false
		for _, l := range refLines(string(out)) {
			ip, names, ok := refParse(l.text)
			if ok && ip == e.IP && refHas(names, e.Name) {
				found = true
			}
		}
		if !found {
			t.Fatalf("Ensure left %v %s unresolved in %q", e.IP, e.Name, out)
		}
	}
}

// The reference below restates the rules line by line with strings, as
// plainly as possible and without any of the package's shortcuts.

type refLine struct {
	raw  string // with its line break
	text string // without the break and the '\r's before it
}

func refLines(s string) []refLine {
	var ls []refLine
	for s != "" {
		raw := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			raw = s[:i+1]
		}
		s = s[len(raw):]
		ls = append(ls, refLine{raw, strings.TrimRight(strings.TrimSuffix(raw, "\n"), "\r")})
	}
	return ls
}

func refFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func refHas(names []string, name string) bool {
	for _, n := range names {
		if refFold(n) == refFold(name) {
			return true
		}
	}
	return false
}

// refParse reads an active line: its address and names.
func refParse(text string) (netip.Addr, []string, bool) {
	if i := strings.IndexByte(text, '#'); i >= 0 {
		text = text[:i]
	}
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(fields) < 2 {
		return netip.Addr{}, nil, false
	}
	ip, err := netip.ParseAddr(fields[0])
	return ip, fields[1:], err == nil
}

func refConflicts(ip netip.Addr, name string, want []Entry) bool {
	if !ip.Is4() || ip.IsLoopback() {
		return false
	}
	named := false
	for _, e := range want {
		if refFold(e.Name) == refFold(name) {
			if e.IP == ip {
				return false
			}
			named = true
		}
	}
	return named
}

func refActive(text string) bool {
	t := strings.TrimLeft(text, " \t")
	return t != "" && t[0] != '#'
}

// refEnsure is Ensure, and with no entries Remove, built as: remove our
// blocks, restore disabled lines, disable conflicts, append the block.
func refEnsure(x, product string, want []Entry) string {
	begin, end := "# BEGIN "+product+" installer", "# END "+product+" installer"
	prefix := "#" + product + "-disabled# "
	lines := refLines(x)
	ours := make([]bool, len(lines))
	var open []int
	lastBlockStart := -1
	for i, l := range lines {
		switch l.text {
		case begin:
			open = append(open, i)
		case end:
			if len(open) > 0 {
				b := open[len(open)-1]
				open = open[:len(open)-1]
				for j := b; j <= i; j++ {
					ours[j] = true
				}
				if i == len(lines)-1 && (b == 0 || !ours[b-1]) {
					lastBlockStart = b
				}
			}
		}
	}
	// An END without a line break at the end of the file: give back the
	// break before BEGIN too, the one matching BEGIN's own.
	cut := map[int]int{}
	if lastBlockStart > 0 && !strings.HasSuffix(x, "\n") {
		prev := lines[lastBlockStart-1].raw
		if strings.HasSuffix(lines[lastBlockStart].raw, "\r\n") && strings.HasSuffix(prev, "\r\n") {
			cut[lastBlockStart-1] = 2
		} else {
			cut[lastBlockStart-1] = 1
		}
	}

	var base []string
	var disable []bool
	sat := make([]bool, len(want))
	for i, l := range lines {
		if ours[i] {
			continue
		}
		raw, text := l.raw[:len(l.raw)-cut[i]], l.text
		if strings.HasPrefix(text, prefix) && refActive(text[len(prefix):]) {
			raw, text = raw[len(prefix):], text[len(prefix):]
		}
		conflict := false
		ip, names, ok := refParse(text)
		if ok {
			for _, n := range names {
				conflict = conflict || refConflicts(ip, n, want)
			}
			for j, e := range want {
				if !conflict && ip == e.IP && refHas(names, e.Name) {
					sat[j] = true
				}
			}
		}
		base = append(base, raw)
		disable = append(disable, conflict)
	}
	var b strings.Builder
	for i, raw := range base {
		if disable[i] {
			b.WriteString(prefix)
		}
		b.WriteString(raw)
	}
	out := b.String()
	restored := strings.Join(base, "")

	var block []string
	for j, e := range want {
		dup := false
		for _, d := range want[:j] {
			dup = dup || (d.IP == e.IP && refFold(d.Name) == refFold(e.Name))
		}
		if !sat[j] && !dup {
			block = append(block, e.IP.String()+" "+e.Name)
		}
	}
	if len(block) == 0 {
		return out
	}
	eol := "\n"
	if i := strings.IndexByte(restored, '\n'); i > 0 && restored[i-1] == '\r' {
		eol = "\r\n"
	}
	block = append(append([]string{begin}, block...), end)
	if restored != "" && !strings.HasSuffix(restored, "\n") {
		return out + eol + strings.Join(block, eol)
	}
	return out + strings.Join(block, eol) + eol
}
