//go:build gc && !purego && !noasm

package asm

// archLevels reports the vector levels this arm64 CPU can run. Advanced SIMD
// (ASIMD, "NEON") with single-precision floating point is part of the ARMv8-A
// baseline that Go itself requires on arm64 (GOARM64=v8.0), so no feature
// detection is needed.
func archLevels() []Level { return []Level{NEON} }

// The <op>At functions run a primitive at level l, falling back to the
// generic reference for levels this build lacks. They are direct calls, not
// a table of func values: an indirect call makes every argument escape, and
// callers pass buffers on their stacks.

func dotAt(l Level, x, y []float32) float32 {
	if l == NEON {
		return dotNEON(x, y)
	}
	return dotGeneric(x, y)
}

func sumSquaresAt(l Level, x []float32) float32 {
	if l == NEON {
		return sumSquaresNEON(x)
	}
	return sumSquaresGeneric(x)
}

func axpyAt(l Level, a float32, x, y []float32) {
	if l == NEON {
		axpyNEON(a, x, y)
	} else {
		axpyGeneric(a, x, y)
	}
}

func scaleAt(l Level, a float32, x []float32) {
	if l == NEON {
		scaleNEON(a, x)
	} else {
		scaleGeneric(a, x)
	}
}

func dotBatchAt(l Level, q, m, out []float32) {
	if l == NEON {
		dotBatchNEON(q, m, out)
	} else {
		dotBatchGeneric(q, m, out)
	}
}

func squaredL2BatchAt(l Level, q, m, out []float32) {
	if l == NEON {
		squaredL2BatchNEON(q, m, out)
	} else {
		squaredL2BatchGeneric(q, m, out)
	}
}

// cosineBatchAt at NEON is the NEON DotBatch followed by a pass of 1 - x in
// Go: on arm64 the subtraction is not yet fused into the kernel.
func cosineBatchAt(l Level, q, m, out []float32) {
	if l == NEON {
		dotBatchNEON(q, m, out)
		oneMinus(out)
	} else {
		cosineBatchGeneric(q, m, out)
	}
}
