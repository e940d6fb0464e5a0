// Package appinfo reads what the installer needs to know of the app
// bundle it configures: its identifier, its version and the version of
// the helper it expects (Contents/Info.plist), and compares versions the
// way the app's own behaviour changes with them (docs/docker-desktop.md).
package appinfo
