// Package homeown finds the entries owned by root in a few trees of a
// user's home and gives them to the user (docs/contract.md §14, "Home
// ownership"): a root-owned ~/Library/Containers/<app> stops the app at
// launch, a root-owned ~/.docker/config.json breaks the CLI.
//
// SECURITY: this code runs as root in a directory the user controls. It
// never follows a link: every directory is opened with openat and
// O_NOFOLLOW from the home's own descriptor, every entry is looked at with
// fstatat(AT_SYMLINK_NOFOLLOW), a link is changed itself (never its
// target), and a walk never leaves the tree it started in (nor its
// filesystem). An entry is changed only if it is still the one scanned
// (same device and inode), still root's, and, unless a directory, has a
// single name: a hard link the user made to a root file elsewhere (on the
// same volume) must never hand that file to her.
package homeown
