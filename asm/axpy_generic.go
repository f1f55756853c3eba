package asm

// axpyGeneric is the reference for Axpy.
func axpyGeneric(a float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

// scaleGeneric is the reference for Scale.
func scaleGeneric(a float32, x []float32) {
	for i := range x {
		x[i] *= a
	}
}
