//go:build gc && !purego && !noasm

package asm

// dotNEON returns the dot product of x and y[:len(x)]. It requires
// len(y) >= len(x) (Dot checks) and reads no element past len(x) of either:
//
//	for i := range x {
//		s += x[i] * y[i]
//	}
//
// It keeps 4 vector accumulators of 4 lanes (16 partial sums), fused
// multiply-adds, and must match dotGeneric (see dot_generic.go) up to the
// rounding of a reordered sum.
//
//go:noescape
func dotNEON(x, y []float32) float32

// sumSquaresNEON returns the sum of the squares of x:
//
//	for _, v := range x {
//		s += v * v
//	}
//
// It must match sumSquaresGeneric (see dot_generic.go) up to the rounding of
// a reordered sum.
//
//go:noescape
func sumSquaresNEON(x []float32) float32
