package asm

// Per-primitive implementation tables, indexed by Level. The generic entries
// are filled below; impl_amd64.go and impl_arm64.go fill the levels their
// architecture can run (only for levels archLevels reports).
var (
	dotImpl            [numLevels]func(x, y []float32) float32
	sumSquaresImpl     [numLevels]func(x []float32) float32
	axpyImpl           [numLevels]func(a float32, x, y []float32)
	scaleImpl          [numLevels]func(a float32, x []float32)
	dotBatchImpl       [numLevels]func(q, m, out []float32)
	squaredL2BatchImpl [numLevels]func(q, m, out []float32)
)

func init() {
	dotImpl[Generic] = dotGeneric
	sumSquaresImpl[Generic] = sumSquaresGeneric
	axpyImpl[Generic] = axpyGeneric
	scaleImpl[Generic] = scaleGeneric
	dotBatchImpl[Generic] = dotBatchGeneric
	squaredL2BatchImpl[Generic] = squaredL2BatchGeneric
}
