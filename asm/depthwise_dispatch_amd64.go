//go:build gc && !purego && !noasm

package asm

// The depthwise kernels come in one function per stride and take byte
// strides; depthwiseRowsX86 adapts them to the table's signature. Each
// stride has two row kernels: a vector of channels over all rows (few
// channels) and the channels of a few pixels at a time (many channels).

func init() {
	depthwise3x3RowsImpl[AVX2] = depthwiseRowsX86(depthwise3x3RowsS1AVX2, depthwise3x3RowsS2AVX2,
		depthwise3x3RowsChanS1AVX2, depthwise3x3RowsChanS2AVX2)
	depthwise3x3RowsImpl[AVX512] = depthwiseRowsX86(depthwise3x3RowsS1AVX512, depthwise3x3RowsS2AVX512,
		depthwise3x3RowsChanS1AVX512, depthwise3x3RowsChanS2AVX512)
	depthwise3x3PixelImpl[AVX2] = func(out, in, filter, bias []float32, c, rows, cols, inRow int, lo, hi float32) {
		depthwise3x3PixelAVX2(out, in, filter, bias, c, rows, cols, 4*inRow, lo, hi)
	}
	depthwise3x3PixelImpl[AVX512] = func(out, in, filter, bias []float32, c, rows, cols, inRow int, lo, hi float32) {
		depthwise3x3PixelAVX512(out, in, filter, bias, c, rows, cols, 4*inRow, lo, hi)
	}
}

type depthwiseRowsAsm func(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)

// depthwiseChanMin is the number of channels from which the row kernels
// walk the channels innermost: from there on, the pixels of one vector of
// channels are far enough apart to crowd a few L1 sets.
var depthwiseChanMin = 128

func depthwiseRowsX86(s1, s2, chan1, chan2 depthwiseRowsAsm) func(out, in, filter, bias []float32, c, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
	return func(out, in, filter, bias []float32, c, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
		inSkip, outSkip := depthwiseSkips(c, stride, inRow, outRow, n, pL, pR)
		k := s1
		switch {
		case c >= depthwiseChanMin && stride == 2:
			k = chan2
		case c >= depthwiseChanMin:
			k = chan1
		case stride == 2:
			k = s2
		}
		k(out, in, filter, bias, c, rows, m, n, pL, pR, 4*inRow, inSkip, outSkip, lo, hi)
	}
}
