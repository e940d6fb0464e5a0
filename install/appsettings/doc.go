// Package appsettings is the app's own per-user settings store as the
// installer sees it (docs/contract.md §14): which of its keys make the app
// ask for an admin password at launch, the values that agree with what
// root installed, and a member-level editor that sets them while every
// other member keeps its bytes and its place. Pure: bytes and facts in,
// bytes and verdicts out; it touches no file and imports nothing of the
// installer's internals.
package appsettings
