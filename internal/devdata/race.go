//go:build race

package devdata

// Race reports a -race build, where instrumentation makes stack buffers
// escape and sync.Pool drops items, so allocation counts mean nothing.
const Race = true
