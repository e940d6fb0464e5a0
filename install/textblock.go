package install

import "github.com/macfleet/installer/hostsfile/block"

// Marked blocks in users' shell startup files, in the one block format of
// package block, the hosts file's: a second run changes nothing and removal
// gives back the exact bytes (the block is appended with the file's own
// line ending; when the file did not end with a line break the block is
// joined with one and itself ends without one, and removal takes that
// break away again).

// removeBlock strips every block of product from data.
func removeBlock(data []byte, product string) []byte {
	return block.Remove(data, block.Find(data, block.MustNew(product), nil))
}

// ensureBlock returns data with exactly one block of product, at the end,
// holding body; data itself when it already is so.
func ensureBlock(data []byte, product string, body []string) []byte {
	out, _ := block.Ensure(data, block.MustNew(product), body)
	return out
}
