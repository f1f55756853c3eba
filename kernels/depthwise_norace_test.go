//go:build !race

package kernels_test

const ktRace = false
