// Package install turns the administrator's options into the machine's
// state: observe what is there, plan the privileged operations, apply them
// all or none, and record a receipt in the single-user profile so that
// uninstall removes exactly what was created.
//
// SECURITY: this package runs as root. It touches the filesystem only
// through rootfs (confined to the target root) and launchd only through
// its Runner.
package install
