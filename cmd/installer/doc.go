// Command installer performs, once and as root, the privileged setup a
// desktop container app needs, for one user (see docs/contract.md).
package main
