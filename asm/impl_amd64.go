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

func init() {
	dotImpl[AVX2], dotImpl[AVX512] = dotAVX2, dotAVX512
	sumSquaresImpl[AVX2], sumSquaresImpl[AVX512] = sumSquaresAVX2, sumSquaresAVX512
	axpyImpl[AVX2], axpyImpl[AVX512] = axpyAVX2, axpyAVX512
	scaleImpl[AVX2], scaleImpl[AVX512] = scaleAVX2, scaleAVX512
	dotBatchImpl[AVX2], dotBatchImpl[AVX512] = dotBatchAVX2, dotBatchAVX512
	squaredL2BatchImpl[AVX2], squaredL2BatchImpl[AVX512] = squaredL2BatchAVX2, squaredL2BatchAVX512
}
