// This code runs as root: it writes a file in the system's /etc.

package install

import (
	"fmt"
	"path"
	"strings"

	"github.com/macfleet/installer/install/product"
)

// newsyslogDir is where macOS's newsyslog(8) reads extra rotation rules
// (/etc is a link to /private/etc on a Mac; the step follows it).
const newsyslogDir = "/etc/newsyslog.d"

// NewsyslogConf is the name of the product's rotation rules in newsyslogDir.
func NewsyslogConf(d product.Descriptor) string { return d.Name + "-installer.conf" }

// helperPIDFile is where vmnetd writes its pid so newsyslog can send it
// SIGHUP after rotating its log (vmnetd then reopens the log).
func helperPIDFile(d product.Descriptor) string { return "/var/run/" + d.HelperLabel + ".pid" }

// newsyslogRules is the file's content, in newsyslog.conf(5) format: the
// installer's JSON log and vmnetd's log, each rotated at 1 MiB, 5 bzip2'd
// generations kept, root:wheel 0644. The installer opens its log per run,
// so it needs no signal (N); vmnetd's pid file tells newsyslog whom to
// send SIGHUP (signal 1).
func newsyslogRules(d product.Descriptor) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Log rotation for %s-installer and its helper vmnetd; written by install,\n", d.Name)
	b.WriteString("# removed by uninstall. Format: newsyslog.conf(5).\n")
	b.WriteString("# logfilename\t\t\t\t\t\t[owner:group]\tmode\tcount\tsize\twhen\tflags\t[/pid_file]\t[sig_num]\n")
	fmt.Fprintf(&b, "%s\troot:wheel\t644\t5\t1024\t*\tJN\n", d.LogPath())
	fmt.Fprintf(&b, "%s\troot:wheel\t644\t5\t1024\t*\tJ\t%s\t1\n", d.HelperLogPath(), helperPIDFile(d))
	return []byte(b.String())
}

// planNewsyslog writes the rotation rules of docs/contract.md §11 into
// /etc/newsyslog.d (in the receipt, so uninstall removes them).
func (p *planner) planNewsyslog() error {
	const step = "newsyslog"
	d := p.opts.Product
	dir, err := p.env.FS.Resolve(newsyslogDir)
	if err != nil {
		return Errorf(KindUnsafe, "log rotation dir %s: %w", newsyslogDir, err)
	}
	// newsyslog runs as root and follows these rules: only root may
	// change the directory or what leads to it.
	if err := checkTrusted(p.env, dir); err != nil {
		return err
	}
	if err := p.ensureDir(step, dir, rootWheel, 0o755); err != nil {
		return err
	}
	return p.putFile(step, path.Join(dir, NewsyslogConf(d)), "", "", newsyslogRules(d), 0o644, rootWheel, "log rotation rules (newsyslog)")
}
