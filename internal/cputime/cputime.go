// Package cputime reads the CPU time the process or the calling thread has
// used, for benchmarks on a machine shared with other work: throughput per
// CPU second tracks the code, throughput per wall second tracks the load.
package cputime

// Known reports whether Process and Thread measure anything on this system;
// where they do not they return 0.
const Known = processKnown && threadKnown
