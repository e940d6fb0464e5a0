// Package mdm is what the installer needs to fit the way fleets are run
// (docs/contract.md §5 `mdm` commands, §11): managed preferences, the console user,
// Jamf's positional script arguments, .mobileconfig profiles, ready-to-paste
// Jamf and Intune scripts, and the status lines inventories record.
//
// Everything here is a pure function of its inputs. Files are read only
// through the one-method [Reader], paths are logical absolute paths inside
// the target root, nothing runs a command and nothing is global, so each
// behaviour an administrator depends on is pinned by a table test.
package mdm
