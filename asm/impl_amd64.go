//go:build gc && !purego && !noasm

package asm

import "github.com/klauspost/cpuid/v2"

// levelFeatures is each amd64 level's gate: every CPU feature its assembly
// may use. gate_amd64_test.go checks that it covers the "Requires:" line avo
// writes above each generated function.
var levelFeatures = map[Level][]cpuid.FeatureID{
	AVX2:   {cpuid.AVX, cpuid.AVX2, cpuid.FMA3},
	AVX512: {cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL},
}

// archLevels reports the vector levels this amd64 CPU can run (cpuid also
// checks that the OS saves the YMM/ZMM state).
func archLevels() []Level {
	var ls []Level
	for _, l := range []Level{AVX2, AVX512} {
		if cpuid.CPU.Supports(levelFeatures[l]...) {
			ls = append(ls, l)
		}
	}
	return ls
}

// The <op>At functions run a primitive at level l, falling back to the
// generic reference for levels this build lacks. They are direct calls, not
// a table of func values: an indirect call makes every argument escape, and
// callers pass buffers on their stacks.

func dotAt(l Level, x, y []float32) float32 {
	switch l {
	case AVX512:
		return dotAVX512(x, y)
	case AVX2:
		return dotAVX2(x, y)
	}
	return dotGeneric(x, y)
}

func sumSquaresAt(l Level, x []float32) float32 {
	switch l {
	case AVX512:
		return sumSquaresAVX512(x)
	case AVX2:
		return sumSquaresAVX2(x)
	}
	return sumSquaresGeneric(x)
}

func axpyAt(l Level, a float32, x, y []float32) {
	switch l {
	case AVX512:
		axpyAVX512(a, x, y)
	case AVX2:
		axpyAVX2(a, x, y)
	default:
		axpyGeneric(a, x, y)
	}
}

func scaleAt(l Level, a float32, x []float32) {
	switch l {
	case AVX512:
		scaleAVX512(a, x)
	case AVX2:
		scaleAVX2(a, x)
	default:
		scaleGeneric(a, x)
	}
}

func dotBatchAt(l Level, q, m, out []float32) {
	switch l {
	case AVX512:
		dotBatchAVX512(q, m, out)
	case AVX2:
		dotBatchAVX2(q, m, out)
	default:
		dotBatchGeneric(q, m, out)
	}
}

func squaredL2BatchAt(l Level, q, m, out []float32) {
	switch l {
	case AVX512:
		squaredL2BatchAVX512(q, m, out)
	case AVX2:
		squaredL2BatchAVX2(q, m, out)
	default:
		squaredL2BatchGeneric(q, m, out)
	}
}

func cosineBatchAt(l Level, q, m, out []float32) {
	switch l {
	case AVX512:
		cosineBatchAVX512(q, m, out)
	case AVX2:
		cosineBatchAVX2(q, m, out)
	default:
		cosineBatchGeneric(q, m, out)
	}
}
