// Package product describes the desktop apps the installer configures.
// Every product-specific name (paths, labels, host names) comes from a
// Descriptor, so supporting another app is a plist, not a code change.
package product
