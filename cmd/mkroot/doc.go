// Command mkroot builds a sample Mac-like root for the demo and for trying
// the installer offline, with the owners and modes of a booted Mac unless
// a variant flag says otherwise: mkroot [flags] DIR [NAME:UID[:GID] ...].
package main
