// Package app is the installer's command line: flags in, options to the
// install package, exit codes and output out. main is a one-line shim over
// Main so that tests drive the real CLI in-process.
package app
