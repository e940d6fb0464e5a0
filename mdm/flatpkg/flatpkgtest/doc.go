// Package flatpkgtest holds test helpers for packages that sign flat
// packages: a throwaway signing identity, never a real one.
package flatpkgtest
