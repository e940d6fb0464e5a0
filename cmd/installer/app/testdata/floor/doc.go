// Command floor is the I/O floor of the hosts step as a process of its
// own, for BenchmarkProcessHosts.
//
//	floor FILE
//
// reads FILE and writes the same bytes back atomically (temp file in the
// same directory, fsync, rename), the least any editor that writes must do.
//
//	floor -measure OUT CMD ARGS...
//
// runs CMD and writes "<wall ns> <max RSS KB>" of it to OUT. The benchmark
// runs every process through it: on Linux a child's max RSS counts the
// memory of the process that forked it, and the benchmark's own is big.
package main
