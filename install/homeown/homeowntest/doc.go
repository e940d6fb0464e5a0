// Package homeowntest holds test helpers for the tests of home ownership
// (package homeown and the installer's): on Linux, a file made immutable,
// whose owner even root cannot change, as macOS's privacy protection
// refuses an MDM agent without Full Disk Access.
package homeowntest
