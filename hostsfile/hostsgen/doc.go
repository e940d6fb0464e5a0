// Package hostsgen generates big hosts files for benchmarks: the shapes
// the hosts step must stay near the I/O floor on.
package hostsgen
