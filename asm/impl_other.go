//go:build !gc || purego || noasm || !(amd64 || arm64)

package asm

// archLevels reports no vector levels: this build runs the generic code.
func archLevels() []Level { return nil }

// This build has only the generic references.

func dotAt(_ Level, x, y []float32) float32         { return dotGeneric(x, y) }
func sumSquaresAt(_ Level, x []float32) float32     { return sumSquaresGeneric(x) }
func axpyAt(_ Level, a float32, x, y []float32)     { axpyGeneric(a, x, y) }
func scaleAt(_ Level, a float32, x []float32)       { scaleGeneric(a, x) }
func dotBatchAt(_ Level, q, m, out []float32)       { dotBatchGeneric(q, m, out) }
func squaredL2BatchAt(_ Level, q, m, out []float32) { squaredL2BatchGeneric(q, m, out) }
func cosineBatchAt(_ Level, q, m, out []float32)    { cosineBatchGeneric(q, m, out) }
