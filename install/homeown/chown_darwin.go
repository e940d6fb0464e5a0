package homeown

import (
	"errors"

	"golang.org/x/sys/unix"
)

// chownAt changes the entry name of the directory pfd. A link, a file, a
// directory or a FIFO is opened itself (O_SYMLINK: a link is never
// followed; O_NONBLOCK: a FIFO does not wait) and changed through that
// descriptor, so what is checked is what is changed. A socket cannot be
// opened: it is checked and changed by name, without following a link.
// A device node is never changed.
func chownAt(pfd int, name string, typ uint32, check func(*unix.Stat_t) error, uid, gid int) error {
	switch typ {
	case unix.S_IFCHR, unix.S_IFBLK:
		return errors.New("a device node: left alone")
	case unix.S_IFSOCK:
		var st unix.Stat_t
		if err := unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		if err := check(&st); err != nil {
			return err
		}
		return unix.Fchownat(pfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
	}
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_SYMLINK|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if err := check(&st); err != nil {
		return err
	}
	return unix.Fchown(fd, uid, gid)
}
