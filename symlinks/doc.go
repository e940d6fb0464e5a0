// Package symlinks plans the CLI links of docs/contract.md §4 step 4: it compares the
// links the installer wants in one directory (/usr/local/bin or
// ~/<user dir>/bin) with what is there and says what to do with each name.
//
// It is pure: callers list the directory and apply the operations. Keeping
// the decisions here, free of I/O, is what lets every case the installer can
// meet on a fleet (stale links from an older bundle, a Homebrew docker in
// the way, a tool dropped from the bundle) be tested with plain values.
//
// All paths are slash paths inside the target root.
package symlinks
