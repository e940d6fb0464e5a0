//go:build unix && !linux

package main

import "golang.org/x/sys/unix"

// dup2 is dup2(2).
func dup2(oldfd, newfd int) error { return unix.Dup2(oldfd, newfd) }
