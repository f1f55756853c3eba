//go:build race

package kernels_test

// ktRace reports a -race build, where instrumentation makes stack buffers
// escape and allocation counts meaningless.
const ktRace = true
