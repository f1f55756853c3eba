//go:build gc && !purego && !noasm

package asm

// axpyNEON adds a*x to y[:len(x)] in place, fusing each multiply-add (one
// rounding). It requires len(y) >= len(x) (Axpy checks) and touches no
// element of y past len(x); x and y must not overlap unless they are the
// same slice:
//
//	for i := range x {
//		y[i] += a * x[i]
//	}
//
// It must match axpyGeneric (see axpy_generic.go) up to the rounding of the
// unfused product.
//
//go:noescape
func axpyNEON(a float32, x, y []float32)

// scaleNEON multiplies x by a in place, each product correctly rounded
// (bit-exact with the Go loop):
//
//	for i := range x {
//		x[i] *= a
//	}
//
// It must match scaleGeneric (see axpy_generic.go) exactly.
//
//go:noescape
func scaleNEON(a float32, x []float32)
