// Package launchd talks to launchd's system domain through launchctl, for
// live installs. Offline installs never contact launchd (jobs start at the
// image's next boot); tests use the Model, a system domain that refuses
// what launchd refuses.
//
// SECURITY: the installer runs this as root; launchctl is run by its
// absolute path, never looked up in PATH.
package launchd
