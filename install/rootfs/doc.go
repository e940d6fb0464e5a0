// Package rootfs is the installer's only door to the filesystem: a target
// root (a live Mac at "/", or an image or test tree anywhere) addressed by
// logical absolute paths such as "/etc/hosts".
//
// SECURITY: this code runs as root. Every access goes through an os.Root
// opened on the target directory, so no path, symlink or ".." can reach a
// file outside it, whatever links the tree holds. Symlinks inside the tree
// are resolved here, component by component, with absolute link targets
// taken relative to the root (as the booted image would see them) and ".."
// clamped at the root; os.Root then re-checks every component when the
// resolved path is used, so a link swapped in between cannot escape either.
package rootfs
