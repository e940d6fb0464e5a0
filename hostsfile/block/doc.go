// Package block is the one definition of the installer's marked block in
// a text file it shares with people and other tools: the hosts file and
// the users' shell startup files.
//
// A block is the lines
//
//	# BEGIN <product> installer
//	...
//	# END <product> installer
//
// written with the file's own line ending and appended at the end. When
// the file's last line has no line break, one is added before the block
// and the block's last line is left without one, so the file still ends
// without a final line break and removing the block gives back its exact
// bytes. The hosts editor adds its own rules on top (docs/README.md,
// step 7, and the hostsfile package).
//
// The package is pure (bytes in, byte ranges out) and a leaf: it imports
// nothing of the installer, so the hosts editor and the installer's shell
// block share it.
package block
