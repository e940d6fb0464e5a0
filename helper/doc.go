// Package helper is vmnetd, the optional privileged helper of docs/contract.md §8:
// the wire protocol (pure, fuzzed), the server that binds ports below 1024
// for one unprivileged user, and the client the app's backend and
// `installer ports check` use.
//
// PROTOCOL.md documents the bytes, SECURITY.md the threat model, BENCH.md
// the measured cost of a bind through the helper.
package helper
