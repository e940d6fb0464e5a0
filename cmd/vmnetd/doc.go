// Command vmnetd is the optional privileged helper of docs/contract.md §8: run as
// root by launchd (macOS) or by hand/systemd (Linux), it binds ports below
// 1024 for the one user named in the installer's profile.
package main
