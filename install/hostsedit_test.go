package install

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
)

// readCounter counts whole-file reads of the hosts file, and with opens
// its chunked reads.
type readCounter struct {
	rootfs.FS
	reads *int
	opens *int
}

func (c readCounter) Open(p string) (fs.File, error) {
	if strings.HasSuffix(p, "/hosts") && c.opens != nil {
		*c.opens++
	}
	return c.FS.Open(p)
}

func (c readCounter) ReadFile(p string) ([]byte, error) {
	if strings.HasSuffix(p, "/hosts") {
		*c.reads++
	}
	return c.FS.ReadFile(p)
}

// hostsRoot is a root whose hosts file was last changed long enough ago
// for its stamp to be trusted.
func hostsRoot(t *testing.T, content string) (string, *planner, *int) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/etc", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/etc/hosts", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(racyWindow + 10*time.Millisecond)
	r, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	reads := 0
	d, _ := product.Builtin("docker")
	p := &planner{env: &Env{FS: readCounter{FS: r, reads: &reads}, Euid: os.Geteuid()}, opts: Options{Product: d, Kubernetes: true}}
	return dir, p, &reads
}

func planOnly(t *testing.T, p *planner) Op {
	t.Helper()
	if err := p.planHosts(); err != nil {
		t.Fatal(err)
	}
	if len(p.ops) != 1 || p.ops[0].Action != "edit" {
		t.Fatalf("planned %v, want one edit", p.ops)
	}
	return p.ops[0]
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, _ := os.ReadDir(dir + "/etc")
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestHostsOneRead: a file unchanged since planning is read once per run,
// the write is the plan's, the old inode is kept for undo by a hard link
// that commit removes, and the receipt and log come from the same scan.
func TestHostsOneRead(t *testing.T) {
	dir, p, reads := hostsRoot(t, "10.0.0.1 localhost\r\n")
	old, _ := os.Lstat(dir + "/etc/hosts")
	op := planOnly(t, p)
	if err := op.Do(); err != nil {
		t.Fatal(err)
	}
	if *reads != 1 {
		t.Fatalf("hosts read %d times, want 1", *reads)
	}
	kept := filepath.Join(dir, "etc", entries(t, dir)[0])
	if fi, err := os.Lstat(kept); err != nil || !os.SameFile(fi, old) || !strings.Contains(kept, ".hosts.undo-") {
		t.Fatalf("entries %v: want the old inode kept as .hosts.undo-*", entries(t, dir))
	}
	if err := op.Commit(); err != nil {
		t.Fatal(err)
	}
	if e := entries(t, dir); len(e) != 1 || e[0] != "hosts" {
		t.Fatalf("after commit: %v, want only hosts", e)
	}
	got, _ := os.ReadFile(dir + "/etc/hosts")
	want := "#docker-disabled# 10.0.0.1 localhost\r\n# BEGIN docker installer\r\n127.0.0.1 localhost\r\n127.0.0.1 kubernetes.docker.internal\r\n# END docker installer\r\n"
	if string(got) != want {
		t.Fatalf("hosts = %q\nwant %q", got, want)
	}
	if op.Detail != "block entries 0 -> 2, disabled lines 0 -> 1" || len(p.receipt) != 1 || p.receipt[0].Kind != "hosts" {
		t.Fatalf("detail %q, receipt %+v", op.Detail, p.receipt)
	}
}

// TestHostsUndoKeepsInode: undo renames the kept link back: the very old
// file, inode and bytes, and nothing left beside it.
func TestHostsUndoKeepsInode(t *testing.T) {
	dir, p, _ := hostsRoot(t, "127.0.0.1 localhost\n")
	old, _ := os.Lstat(dir + "/etc/hosts")
	op := planOnly(t, p)
	if err := op.Do(); err != nil {
		t.Fatal(err)
	}
	if err := op.Undo(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(dir + "/etc/hosts")
	got, _ := os.ReadFile(dir + "/etc/hosts")
	if !os.SameFile(fi, old) || string(got) != "127.0.0.1 localhost\n" || len(entries(t, dir)) != 1 {
		t.Fatalf("after undo: %q, same inode %v, entries %v", got, os.SameFile(fi, old), entries(t, dir))
	}
}

// TestHostsChangedSincePlan: a change by another tool between plan and
// apply, even one that keeps the size, changes the stamp: apply re-reads
// and redoes the edit on the new content, which is not lost.
func TestHostsChangedSincePlan(t *testing.T) {
	dir, p, reads := hostsRoot(t, "10.0.0.1 a\n")
	op := planOnly(t, p)
	if err := os.WriteFile(dir+"/etc/hosts", []byte("10.0.0.2 b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := op.Do(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dir + "/etc/hosts")
	if *reads != 2 || !strings.HasPrefix(string(got), "10.0.0.2 b\n# BEGIN docker installer\n") {
		t.Fatalf("%d reads, hosts %q: want 2 and the edit redone on the new content", *reads, got)
	}
}

// TestHostsRacyStampRereads: a file changed just before the read may
// change again in the same timestamp tick, so its stamp is not trusted:
// apply compares the bytes, in chunks (no second file-sized buffer), and
// re-reads and re-plans only if they differ.
func TestHostsRacyStampRereads(t *testing.T) {
	for _, changed := range []bool{false, true} {
		dir, p, reads := hostsRoot(t, "10.0.0.1 a\n")
		opens := 0
		p.env.FS = readCounter{FS: p.env.FS.(readCounter).FS, reads: reads, opens: &opens}
		if err := os.WriteFile(dir+"/etc/hosts", []byte("10.0.0.1 c\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		op := planOnly(t, p)
		want := "10.0.0.1 c\n"
		if changed {
			// Same size, within the same tick or not: only the bytes tell.
			want = "10.0.0.1 d\n"
			if err := os.WriteFile(dir+"/etc/hosts", []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := op.Do(); err != nil {
			t.Fatal(err)
		}
		wantReads := 1
		if changed {
			wantReads = 2
		}
		if *reads != wantReads || opens != 1 {
			t.Fatalf("changed %v: %d whole reads and %d compares of a file changed %v before planning, want %d and 1", changed, *reads, opens, racyWindow, wantReads)
		}
		if got, _ := os.ReadFile(dir + "/etc/hosts"); !strings.HasPrefix(string(got), want+"# BEGIN docker installer\n") {
			t.Fatalf("changed %v: hosts %q", changed, got)
		}
	}
}

// TestHostsStaleUndoRemoved: a link left by a killed run is planned for
// removal, even when the hosts file needs nothing else.
func TestHostsStaleUndoRemoved(t *testing.T) {
	dir, p, _ := hostsRoot(t, "127.0.0.1 localhost\n127.0.0.1 kubernetes.docker.internal\n")
	if err := os.Link(dir+"/etc/hosts", dir+"/etc/.hosts.undo-0123456789ab"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/etc/.hosts.undo-mine", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.planHosts(); err != nil {
		t.Fatal(err)
	}
	if len(p.ops) != 1 || p.ops[0].Action != "remove" || p.ops[0].Path != "/etc/.hosts.undo-0123456789ab" {
		t.Fatalf("planned %+v, want the removal of the stale link only", p.ops)
	}
	if err := p.ops[0].Do(); err != nil {
		t.Fatal(err)
	}
	if e := entries(t, dir); len(e) != 2 {
		t.Fatalf("entries %v, want hosts and the foreign .hosts.undo-mine", e)
	}
}
