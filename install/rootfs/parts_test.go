package rootfs

import (
	"os"
	"syscall"
	"testing"
)

// TestWriteFilePartsAndLink: the parts land concatenated, atomically and
// with the mode asked; a hard link keeps the replaced inode and its bytes;
// neither reaches outside the root through a link.
func TestWriteFilePartsAndLink(t *testing.T) {
	root, outside := macRoot(t)
	r := open(t, root)
	must(t, r.Link("/etc/hosts", "/etc/.hosts.keep"))
	old, _ := os.Lstat(root + "/private/etc/hosts")
	must(t, r.WriteFileParts("/etc/hosts", [][]byte{[]byte("in"), []byte("side\n"), []byte("# more\n")}, 0o640, nil))
	if b, _ := os.ReadFile(root + "/private/etc/hosts"); string(b) != "inside\n# more\n" {
		t.Fatalf("hosts = %q", b)
	}
	fi, _ := os.Lstat(root + "/private/etc/hosts")
	if fi.Mode().Perm() != 0o640 || os.SameFile(fi, old) {
		t.Fatalf("new hosts: mode %v, same inode %v; want 0640 and a new inode", fi.Mode().Perm(), os.SameFile(fi, old))
	}
	kept, _ := os.Lstat(root + "/private/etc/.hosts.keep")
	if b, _ := os.ReadFile(root + "/private/etc/.hosts.keep"); string(b) != "inside\n" || !os.SameFile(kept, old) {
		t.Fatalf("link kept %q, same inode %v; want the old file", b, os.SameFile(kept, old))
	}
	if n := kept.Sys().(*syscall.Stat_t).Nlink; n != 1 {
		t.Fatalf("old inode has %d links, want 1 (the keep link)", n)
	}
	// A link whose target leaves the root is not followed.
	must(t, os.Symlink(outside+"/etc/hosts", root+"/private/etc/evil"))
	if err := r.Link("/etc/evil", "/etc/evil2"); err == nil {
		if fi, _ := os.Lstat(root + "/private/etc/evil2"); fi.Mode()&os.ModeSymlink == 0 {
			t.Fatal("Link followed a symlink out of the root")
		}
	}
	must(t, os.Symlink(outside+"/etc", root+"/private/etc/out"))
	if err := r.WriteFileParts("/etc/out/hosts", [][]byte{[]byte("x")}, 0o644, nil); err != nil {
		t.Logf("write through an outside link: %v", err)
	}
	if b, _ := os.ReadFile(outside + "/etc/hosts"); string(b) != "outside\n" {
		t.Fatalf("outside file changed: %q", b)
	}
}

// TestOpenRegularOnly: Open reads a regular file (through a link inside
// the root, as ReadFile), refuses a FIFO without blocking on it, and does
// not reach outside the root.
func TestOpenRegularOnly(t *testing.T) {
	root, outside := macRoot(t)
	r := open(t, root)
	f, err := r.Open("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	must(t, syscall.Mkfifo(root+"/private/etc/fifo", 0o644))
	if f, err := r.Open("/etc/fifo"); err == nil {
		f.Close()
		t.Fatal("Open accepted a FIFO")
	}
	must(t, os.Symlink(outside+"/etc/hosts", root+"/private/etc/away"))
	if f, err := r.Open("/etc/away"); err == nil {
		fi, _ := f.Stat()
		f.Close()
		if in, _ := os.Stat(outside + "/etc/hosts"); in != nil && os.SameFile(fi, in) {
			t.Fatal("Open followed a link out of the root")
		}
	}
}
