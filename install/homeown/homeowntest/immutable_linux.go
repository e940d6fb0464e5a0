package homeowntest

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// fsImmutableFL is FS_IMMUTABLE_FL of linux/fs.h (chattr +i).
const fsImmutableFL = 0x10

// Immutable sets chattr +i on p until the test ends or the function it
// returns is called; then even root's chown of p fails with EPERM. It
// skips the test when the filesystem has no such flag or root may change
// the owner anyway.
func Immutable(t testing.TB, p string) (clear func() error) {
	t.Helper()
	set := func(flags uint32) error {
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags))
	}
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		t.Skipf("%s: no file flags on this filesystem (%v)", p, err)
	}
	if err := set(flags | fsImmutableFL); err != nil {
		t.Skipf("%s: chattr +i not supported here (%v)", p, err)
	}
	t.Cleanup(func() { set(flags) })
	if got, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS); err != nil || got&fsImmutableFL == 0 {
		t.Skipf("%s: the immutable flag did not stick (%#x, %v)", p, got, err)
	}
	if err := os.Lchown(p, 0, 0); err == nil {
		t.Skipf("%s: immutable, yet root may change its owner here", p)
	}
	return func() error { return set(flags) }
}
