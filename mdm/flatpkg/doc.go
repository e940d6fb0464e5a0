// Package flatpkg writes macOS flat installer packages (the .pkg files
// Installer, Jamf Pro, Intune, Kandji, Munki and Fleet deploy) in pure Go,
// on any OS: a xar archive holding a Distribution and one component
// package with its PackageInfo, Bom, Payload (gzip'd odc cpio) and
// Scripts, optionally signed with a Developer ID Installer identity.
//
// Everything is a function of its input: the same Package (and signing
// identity) gives the same bytes.
//
// The packages it makes are run by Installer as root on every Mac that
// receives them: entries are always owned as given (root:wheel for the
// macfleet packages) and confined to the install location.
package flatpkg
