//go:build gc && !purego && !noasm

package asm

// archLevels reports the vector levels this arm64 CPU can run. Advanced SIMD
// (ASIMD, "NEON") with single-precision floating point is part of the ARMv8-A
// baseline that Go itself requires on arm64 (GOARM64=v8.0), so no feature
// detection is needed.
func archLevels() []Level { return []Level{NEON} }

func init() {
	dotImpl[NEON] = dotNEON
	sumSquaresImpl[NEON] = sumSquaresNEON
	axpyImpl[NEON] = axpyNEON
	scaleImpl[NEON] = scaleNEON
	dotBatchImpl[NEON] = dotBatchNEON
	squaredL2BatchImpl[NEON] = squaredL2BatchNEON
}
