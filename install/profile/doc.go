// Package profile is the installer's single-user profile: its schema, the
// one decoder and the one safe read, shared by the installer (which
// writes it and trusts its receipt to undo an install) and vmnetd (which
// learns from it whom to serve and which key may sign policies).
//
// SECURITY: root reads this file, in the installer and in the vmnetd
// daemon. Only the XML form the installer writes is decoded (the binary
// plist decoder can be made to work exponentially long on a crafted
// file), at most MaxSize bytes, never through a link.
//
// To add a key, add a field to Profile (or Item) with its plist tag;
// omitempty keeps profiles written before it unchanged, and a profile
// that lacks it decodes to the zero value.
package profile
