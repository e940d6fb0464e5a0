// Package plistsafe checks a binary property list before howett.net/plist
// decodes it. A binary plist shares objects by reference and the decoder
// copies the object at every reference, so a 200-byte file can describe a
// tree of 2^40 values, or nest deeper than a goroutine's stack: the
// installer runs as root and must not be the process such a file stalls.
// The walk here memoizes per object, so it takes time linear in the file.
package plistsafe
