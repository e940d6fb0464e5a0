package install

import (
	"bytes"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/macfleet/installer/hostsfile"
	"github.com/macfleet/installer/hostsfile/hostsgen"
)

// TestHostsEveryTransition: every edit the hosts step or uninstall makes
// (append or insert our block, replace it, drop a line of it, drop it
// whole, disable a foreign line, re-enable it, restore on uninstall) reads
// the file once, plans exactly one write of it, allocates less than a
// second copy of it, writes what the pure editor says, and keeps the old
// inode for undo.
func TestHostsEveryTransition(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	d := "docker"
	kube := hostsfile.Entry{IP: lo, Name: "kubernetes.docker.internal"}
	local := hostsfile.Entry{IP: lo, Name: "localhost"}
	lab := hostsgen.Lab(100_000)
	ad := hostsgen.AdBlock(100_000)
	midAd := func(line string) []byte {
		m := bytes.IndexByte(ad[len(ad)/2:], '\n') + len(ad)/2 + 1
		return append(append(append([]byte(nil), ad[:m]...), line+"\r\n"...), ad[m:]...)
	}
	ensure := func(b []byte, want ...hostsfile.Entry) []byte { out, _ := hostsfile.Ensure(b, d, want); return out }
	disabled := ensure(midAd("10.0.0.1 kubernetes.docker.internal"), local, kube)
	for _, tc := range []struct {
		name       string
		start      []byte
		kubernetes bool
		uninstall  bool
		inReceipt  bool
		want       []byte
	}{
		{"insert localhost", lab, true, false, false, ensure(lab, local, kube)},
		{"append", ad, true, false, false, ensure(ad, local, kube)},
		{"replace", ensure(lab, local), true, false, true, ensure(lab, local, kube)},
		{"remove a line of ours", ensure(lab, local, kube), false, false, true, ensure(lab, local)},
		{"remove our block", ensure(ad, local, kube), false, false, true, ad},
		{"disable", midAd("10.0.0.1 kubernetes.docker.internal"), true, false, false, disabled},
		{"re-enable", disabled, false, false, true, midAd("10.0.0.1 kubernetes.docker.internal")},
		{"uninstall restores", disabled, false, true, true, midAd("10.0.0.1 kubernetes.docker.internal")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, p, reads := hostsRoot(t, string(tc.start))
			p.opts.Kubernetes = tc.kubernetes
			item := Item{Kind: "hosts", Path: hostsPath, Step: "hosts"}
			if tc.inReceipt {
				p.old = &Profile{Receipt: []Item{item}}
			}
			old, _ := os.Lstat(dir + "/etc/hosts")
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var err error
			if tc.uninstall {
				err = p.planUndoItem(item)
			} else if err = p.planHosts(); err == nil {
				err = p.planLeftovers()
			}
			if err != nil {
				t.Fatal(err)
			}
			var edits []Op
			for _, op := range p.ops {
				if strings.HasSuffix(op.Path, "/hosts") {
					edits = append(edits, op)
				}
			}
			if len(edits) != 1 || edits[0].Action != "edit" {
				t.Fatalf("planned %+v, want one edit of the hosts file", p.ops)
			}
			if err := edits[0].Do(); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			if *reads != 1 {
				t.Errorf("hosts read %d times, want 1", *reads)
			}
			if n, limit := after.TotalAlloc-before.TotalAlloc, uint64(len(tc.start))*5/4+1<<20; n > limit {
				t.Errorf("plan and write allocated %d bytes for a file of %d: a copy of it", n, len(tc.start))
			}
			if got, _ := os.ReadFile(dir + "/etc/hosts"); !bytes.Equal(got, tc.want) {
				t.Fatalf("hosts differs from the editor's result (%d bytes, want %d)", len(got), len(tc.want))
			}
			if err := edits[0].Undo(); err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Lstat(dir + "/etc/hosts")
			got, _ := os.ReadFile(dir + "/etc/hosts")
			if !os.SameFile(fi, old) || !bytes.Equal(got, tc.start) || len(entries(t, dir)) != 1 {
				t.Fatalf("after undo: same inode %v, same bytes %v, entries %v", os.SameFile(fi, old), bytes.Equal(got, tc.start), entries(t, dir))
			}
		})
	}
}
