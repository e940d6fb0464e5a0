package hostsgen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
)

// Lab is n lines of about 28 bytes, like a big lab or generated hosts
// file: "10.1.2.3\thost-1e240.lan", every 4th line with an alias, a
// comment every 1000 lines, LF line breaks.
func Lab(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 28)
	for i := 0; i < n; i++ {
		switch {
		case i%1000 == 0:
			fmt.Fprintf(&b, "# section %d\n", i/1000)
		case i%4 == 0:
			fmt.Fprintf(&b, "10.%d.%d.%d\th%x.lan a%x\n", i>>16&255, i>>8&255, i&255, i, i)
		default:
			fmt.Fprintf(&b, "10.%d.%d.%d\thost-%x.lan\n", i>>16&255, i>>8&255, i&255, i)
		}
	}
	return b.Bytes()
}

// adHeader is the head of the common ad-blocking lists: the loopback
// lines they carry so that the machine keeps working.
const adHeader = "# Title: Unified hosts file with base extensions\r\n" +
	"# This hosts file is a merged collection of hosts from reputable sources,\r\n" +
	"# with a dash of crowd sourcing via GitHub\r\n" +
	"#\r\n# Date: 01 December 2026 12:00:00 (UTC)\r\n# Number of unique domains: 250,000\r\n#\r\n" +
	"# ===============================================================\r\n\r\n" +
	"127.0.0.1 localhost\r\n127.0.0.1 localhost.localdomain\r\n127.0.0.1 local\r\n" +
	"255.255.255.255 broadcasthost\r\n::1 localhost\r\n::1 ip6-localhost\r\n::1 ip6-loopback\r\n" +
	"fe80::1%lo0 localhost\r\nff00::0 ip6-localnet\r\nff02::1 ip6-allnodes\r\n0.0.0.0 0.0.0.0\r\n\r\n" +
	"# Custom host records are listed here.\r\n\r\n# End of custom host records.\r\n" +
	"# Start StevenBlack\r\n\r\n"

// Syllables of the generated domain names; "local" and "kube" are common
// on purpose: they share bytes with the names the installer looks for
// (localhost, kubernetes.docker.internal) and make a naive scan stop.
var (
	words = []string{"ad", "ads", "track", "metrics", "cdn", "pixel", "stat", "click", "beacon", "serve",
		"local", "localytics", "kube", "kubernetes", "kubeflow", "host", "hosted", "docker", "internal",
		"analytics", "tag", "count", "banner", "media", "video", "sync", "log", "event", "api", "static"}
	tlds     = []string{"com", "net", "org", "io", "de", "ru", "info", "biz", "co.uk", "local", "cloud"}
	comments = []string{"tracker", "malware", "ad server", "see issue 1234", "telemetry", "phishing"}
)

// AdBlock is an ad-blocking hosts list of n lines in the shape of the
// big public ones: CRLF line breaks, a header of comments and loopback
// lines, "0.0.0.0 <domain>" lines grouped in sections with a comment
// line each, inline comments on about one line in eight, blank lines,
// and many names containing "local" and "kube". The same n gives the
// same bytes.
func AdBlock(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 16))
	var b bytes.Buffer
	b.Grow(n * 36)
	b.WriteString(adHeader)
	for i := 0; i < n; i++ {
		switch {
		case i%2000 == 0:
			fmt.Fprintf(&b, "\r\n# %s section %d\r\n", words[r.IntN(len(words))], i/2000)
			continue
		case i%500 == 0:
			b.WriteString("\r\n")
			continue
		}
		b.WriteString("0.0.0.0 ")
		parts := 1 + r.IntN(3)
		for j := 0; j < parts; j++ {
			if j > 0 {
				b.WriteByte('.')
			}
			b.WriteString(words[r.IntN(len(words))])
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, "%d", r.IntN(100))
			}
			if r.IntN(4) == 0 {
				b.WriteByte('-')
				b.WriteString(words[r.IntN(len(words))])
			}
		}
		b.WriteByte('.')
		b.WriteString(tlds[r.IntN(len(tlds))])
		if r.IntN(8) == 0 {
			b.WriteString(" # ")
			b.WriteString(comments[r.IntN(len(comments))])
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}
