package homeown

import (
	"errors"
	"os"
	"reflect"
	"runtime"
	"testing"

	"github.com/macfleet/installer/install/homeown/homeowntest"
	"golang.org/x/sys/unix"
)

// A change the OS refuses (an immutable file: EPERM, as macOS's privacy
// protection refuses root) is returned as the OS's error, not as a
// changed entry, and changes nothing; once allowed, the same entry is
// given.
func TestChownRefusedByTheOS(t *testing.T) {
	f := newFixture(t)
	es, err := Scan(f.home, []string{"a/f"}, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("Scan = %q, %v", paths(es), err)
	}
	allow := homeowntest.Immutable(t, f.path("home/a/f"))
	err = Chown(f.home, es[0], uid, gid)
	if !errors.Is(err, unix.EPERM) || errors.Is(err, ErrChanged) {
		t.Fatalf("Chown of an immutable file: %v, want EPERM", err)
	}
	if got := f.owner(t, "home/a/f"); got != "0:7" {
		t.Fatalf("a/f: %s", got)
	}
	if err := allow(); err != nil {
		t.Fatal(err)
	}
	if err := Chown(f.home, es[0], uid, gid); err != nil {
		t.Fatal(err)
	}
	if got := f.owner(t, "home/a/f"); got != "501:20" {
		t.Errorf("a/f: %s", got)
	}
}

// The walk does not enter another filesystem mounted inside a tree (its
// root, root's, is an entry); a tree whose root is on another filesystem
// is walked on that one.
func TestScanStaysOnItsFilesystem(t *testing.T) {
	f := newFixture(t)
	f.dir("home/a/mnt", uid)
	mnt := f.path("home/a/mnt")
	if err := unix.Mount("none", mnt, "tmpfs", 0, "mode=0755,size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
	if err := os.Mkdir(mnt+"/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mnt+"/sub/inner", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Scan(f.home, []string{"a"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/d", "a/d/g", "a/d/u/h", "a/f", "a/l", "a/mnt", "a/p", "a/s"}
	if !reflect.DeepEqual(paths(got), want) {
		t.Errorf("Scan(a) = %q\nwant      %q", paths(got), want)
	}
	got, err = Scan(f.home, []string{"a/mnt"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/mnt", "a/mnt/sub", "a/mnt/sub/inner"}; !reflect.DeepEqual(paths(got), want) {
		t.Errorf("Scan(a/mnt) = %q, want %q", paths(got), want)
	}
}

// withoutDACOverride runs fn on a thread of its own that has lost the
// capabilities to read or search any directory (CAP_DAC_OVERRIDE and
// CAP_DAC_READ_SEARCH): root then meets a mode 000 directory as an
// unprivileged caller meets a root-owned 0700 one. The thread ends with
// fn (locked, never unlocked), so the rest of the tests keep root's
// capabilities.
func withoutDACOverride(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			done <- err
			return
		}
		data[0].Effective &^= 1<<unix.CAP_DAC_OVERRIDE | 1<<unix.CAP_DAC_READ_SEARCH
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			done <- err
			return
		}
		fn()
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Skipf("cannot drop capabilities: %v", err)
	}
}

// A directory that cannot be read is reported (when root's) but not
// entered, as a tree's root or inside a walk; the rest of the walk goes
// on.
func TestScanUnreadableDir(t *testing.T) {
	f := newFixture(t)
	if err := os.Chmod(f.path("home/a/d"), 0); err != nil {
		t.Fatal(err)
	}
	var inA, inD []Entry
	var errA, errD error
	withoutDACOverride(t, func() {
		inA, errA = Scan(f.home, []string{"a"}, 0)
		inD, errD = Scan(f.home, []string{"a/d"}, 0)
	})
	if want := []string{"a/d", "a/f", "a/l", "a/p", "a/s"}; errA != nil || !reflect.DeepEqual(paths(inA), want) {
		t.Errorf("Scan(a) = %q, %v; want %q", paths(inA), errA, want)
	}
	if want := []string{"a/d"}; errD != nil || !reflect.DeepEqual(paths(inD), want) {
		t.Errorf("Scan(a/d) = %q, %v; want %q", paths(inD), errD, want)
	}
	// with the capabilities, the same walk enters it
	if got, _ := Scan(f.home, []string{"a/d"}, 0); len(got) != 3 {
		t.Errorf("Scan(a/d) as root = %q", paths(got))
	}
}
