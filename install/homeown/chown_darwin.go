package homeown

import (
	"errors"

	"golang.org/x/sys/unix"
)

// socketByDescriptor: xnu refuses open(2) on a socket, so a socket
// could only be changed by name: never done (Entry.Kept).
const socketByDescriptor = false

// chownAt changes the entry name of the directory pfd. A link, a file, a
// directory or a FIFO is opened itself (O_SYMLINK: a link is never
// followed; O_NONBLOCK: a FIFO does not wait) and changed through that
// descriptor, so what is checked is what is changed. A socket (it cannot
// be opened) and a device node are never changed.
func chownAt(pfd int, name string, typ uint32, check func(*unix.Stat_t) error, uid, gid int) error {
	switch typ {
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFSOCK:
		return errors.New("a device node or a socket: left alone")
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
