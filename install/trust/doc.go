// Package trust is the one rule for a path root will trust (docs/contract.md §9):
// the installer's preflight and vmnetd both ask it, so the two can never
// disagree on which owners and groups may control such a path.
//
// SECURITY: the decision made here is what keeps a user from handing root
// a binary, a LaunchDaemon or a profile of her choosing. The rule (Check)
// is pure: it looks only at the owner, group and mode given to it and at
// the context, so the same answer holds on Linux (an image built there is
// a Mac) and on macOS. Walk applies it to every component of a path, with
// the messages both programs print.
package trust
