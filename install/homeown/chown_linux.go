package homeown

import "golang.org/x/sys/unix"

// socketByDescriptor: O_PATH opens a socket too, so it is changed
// through its own descriptor like any entry.
const socketByDescriptor = true

// chownAt changes the entry name of the directory pfd through a
// descriptor of the entry itself (O_PATH, never following a link), so
// what is checked is what is changed.
func chownAt(pfd int, name string, _ uint32, check func(*unix.Stat_t) error, uid, gid int) error {
	fd, err := unix.Openat(pfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstatat(fd, "", &st, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if err := check(&st); err != nil {
		return err
	}
	return unix.Fchownat(fd, "", uid, gid, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
}
