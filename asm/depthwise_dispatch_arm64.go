//go:build gc && !purego && !noasm

package asm

// The NEON depthwise kernels need c >= 4 (their last channel group
// overlaps the previous one) and input pixels c apart (DepthwisePixelStride
// asks for no more); other calls take the generic code.

func init() {
	depthwise3x3RowsImpl[NEON] = func(out, in, filter, bias []float32, c, inPix, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
		if c < 4 || inPix != c {
			depthwise3x3RowsGeneric(out, in, filter, bias, c, inPix, stride, rows, m, inRow, outRow, n, pL, pR, lo, hi)
			return
		}
		inSkip, outSkip := depthwiseSkips(c, c, stride, inRow, outRow, n, pL, pR)
		k := depthwise3x3RowsS1NEON
		if stride == 2 {
			k = depthwise3x3RowsS2NEON
		}
		k(out, in, filter, bias, c, rows, m, n, pL, pR, 4*inRow, inSkip, outSkip, lo, hi)
	}
	depthwise3x3PixelImpl[NEON] = func(out, in, filter, bias []float32, c, rows, cols, inRow int, lo, hi float32) {
		if c < 4 {
			depthwise3x3PixelGeneric(out, in, filter, bias, c, rows, cols, inRow, lo, hi)
			return
		}
		depthwise3x3PixelNEON(out, in, filter, bias, c, rows, cols, 4*inRow, lo, hi)
	}
}
