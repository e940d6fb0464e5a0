// Package sampleroot builds a small directory tree laid out like a Mac's
// root filesystem, with a sample app bundle and users, for the demo and
// the tests: the same offline --root the installer uses on a mounted image.
//
// By default the tree has the owners, groups and modes of a booted Mac
// (docs/macos.md, from Apple's own description of the file
// hierarchy): /Library and /Applications root:admin 0775, /private/var/run
// root:daemon 0775, homes name:staff 0750, and so on. Options select the
// other layouts a fleet really has: an image as built, an app dragged in
// by its user, Homebrew's /usr/local/bin, an Apple-silicon Mac without
// /usr/local, and the plain all-root tree of the first tests.
package sampleroot
