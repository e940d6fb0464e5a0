// Package diagnose gathers a support bundle (`installer diagnose`, docs/contract.md
// §5): what the installer set up, what the machine looks like now, and
// why they differ, in one gzip tar an administrator can attach to a
// ticket.
//
// It only reads. Every source is bounded in time and size and may fail
// alone: the manifest says what could not be collected and why. Every
// file is redacted (redact.go) before it is written, and the manifest
// records each file's size and sha256 as written.
//
// SECURITY: this package may run as root. It reads the target root only
// through rootfs and os.Root (no link leads out of it), asks launchd only
// through a time-limited Runner, and never writes inside the root.
package diagnose
