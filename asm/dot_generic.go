package asm

// dotGeneric is the reference for Dot. It keeps four partial sums, as the
// vector versions keep several, so that its rounding behaves alike on long
// inputs.
func dotGeneric(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSquaresGeneric is the reference for SumSquares.
func sumSquaresGeneric(x []float32) float32 {
	return dotGeneric(x, x)
}
