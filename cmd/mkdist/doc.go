// Command mkdist builds the macOS distribution of docs/contract.md §12 into a
// directory (make dist: dist/), in pure Go on Linux or macOS: universal
// installer and vmnetd binaries, the tool package, the payload-free
// uninstall package and SHA256SUMS, signed when SIGN_P12 names a
// Developer ID Installer identity. The same commit and SOURCE_DATE_EPOCH
// give the same bytes.
//
// Everything it makes is run as root on every Mac of a fleet.
package main
