//go:build race

package kernels

// raceBuild: sync.Pool drops items at random under the race detector, so
// allocation counts are meaningless there.
const raceBuild = true
