package asm

// Dot returns the dot product of x and y[:len(x)]:
//
//	for i := range x {
//		s += x[i] * y[i]
//	}
//
// The summation order (and so the rounding) depends on the level. It panics
// if len(y) < len(x).
func Dot(x, y []float32) float32 {
	if len(y) < len(x) {
		panic("asm: Dot: len(y) < len(x)")
	}
	raceRead(x)
	raceRead(y[:len(x)])
	return dotAt(ISA(), x, y)
}

// SumSquares returns the sum of the squares of x:
//
//	for _, v := range x {
//		s += v * v
//	}
func SumSquares(x []float32) float32 {
	raceRead(x)
	return sumSquaresAt(ISA(), x)
}
