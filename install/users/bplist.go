package users

import (
	"errors"

	"github.com/macfleet/installer/install/plistsafe"
)

// Bounds on a dslocal record. A real one (thirty-odd keys of one-element
// arrays, a nested plist or two) has a few hundred values, nested four deep.
const (
	maxPlistNodes = 100_000
	maxPlistDepth = 100
)

// bplistTooLarge reports whether a binary plist expands to more than
// maxPlistNodes values or nests deeper than maxPlistDepth (see plistsafe:
// the decoder copies shared objects at every reference, so a 200-byte
// record can describe 2^40 values). Only a proven excess returns true; a
// malformed plist is left for the real parser to reject.
func bplistTooLarge(data []byte) bool {
	if len(data) < 8 || string(data[:8]) != "bplist00" {
		return false
	}
	err := plistsafe.CheckBinary(data, plistsafe.Limits{Objects: maxPlistNodes, Nodes: maxPlistNodes, Depth: maxPlistDepth})
	return errors.Is(err, plistsafe.ErrTooDeep) || errors.Is(err, plistsafe.ErrTooMany)
}
