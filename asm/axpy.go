package asm

// Axpy adds a*x to y[:len(x)] in place:
//
//	for i := range x {
//		y[i] += a * x[i]
//	}
//
// Whether a*x[i] is rounded before the add (generic on amd64) or fused
// (AVX2, AVX-512, NEON, and generic on arm64) depends on the level. It panics
// if len(y) < len(x). x and y must not overlap unless they are the same
// slice.
func Axpy(a float32, x, y []float32) {
	if len(y) < len(x) {
		panic("asm: Axpy: len(y) < len(x)")
	}
	raceRead(x)
	raceWrite(y[:len(x)])
	axpyAt(ISA(), a, x, y)
}

// Scale multiplies x by a in place:
//
//	for i := range x {
//		x[i] *= a
//	}
func Scale(a float32, x []float32) {
	raceWrite(x)
	scaleAt(ISA(), a, x)
}
