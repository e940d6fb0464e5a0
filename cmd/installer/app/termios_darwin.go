package app

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TIOCGETA
