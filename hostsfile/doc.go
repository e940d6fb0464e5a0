// Package hostsfile edits a hosts file as a pure function of its bytes:
// old content and wanted entries in, new content and "changed?" out.
//
// It never touches the file system, so every rule of the hosts step
// (docs/README.md, step 7, and below) can be tested with byte strings and
// fuzzed; the installer's effects layer does the atomic write and skips it
// when nothing changed.
//
// The hosts file is shared with people and other tools, so the package owns
// only two things in it:
//
//   - its block, the lines "# BEGIN <product> installer" … "# END <product>
//     installer", always at the end of the file, holding "<ip> <name>" for
//     each wanted entry no foreign line already provides;
//   - the prefix "#<product>-disabled# " in front of foreign lines that
//     would send a wanted name to a non-loopback IPv4 address, which the
//     resolver would otherwise answer first.
//
// Every other byte is kept. The output is canonical: Ensure(x) equals
// Ensure(Remove(x)), and Remove(Ensure(x)) equals Remove(x), so a second run
// changes nothing and uninstalling gives back the file as it was.
//
// Big hosts files (ad-blocking lists run to a million lines) are common, so
// the scans jump between the few bytes that can matter with bytes.IndexByte
// and allocate nothing per line, and every edit (Plan, PlanRemove) is
// pieces of the old bytes plus a few new ones, never a copy. The block's
// format is package block's, shared with the installer's shell blocks.
package hostsfile
