// Package users finds and checks the one user the installer configures
// (docs/contract.md §4 step 1). A live install asks the running system (os/user); an
// offline install reads the image's own user database, because the user
// may exist only in the image (a Packer/Tart build, a mounted volume) and
// the build machine's accounts say nothing about it.
//
// The name comes from the command line, from MDM or from a Jamf argument,
// and part of it ends up in a file path, so it is checked before anything
// else is done with it.
package users
