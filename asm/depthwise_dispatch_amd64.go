//go:build gc && !purego && !noasm

package asm

// The depthwise kernels come in one function per stride and take byte
// strides; depthwiseRowsX86 adapts them to the table's signature.

func init() {
	depthwise3x3RowsImpl[AVX2] = depthwiseRowsX86(depthwise3x3RowsS1AVX2, depthwise3x3RowsS2AVX2)
	depthwise3x3RowsImpl[AVX512] = depthwiseRowsX86(depthwise3x3RowsS1AVX512, depthwise3x3RowsS2AVX512)
	depthwise3x3PixelImpl[AVX2] = func(out, in, filter, bias []float32, c, rows, cols, inRow int, lo, hi float32) {
		depthwise3x3PixelAVX2(out, in, filter, bias, c, rows, cols, 4*inRow, lo, hi)
	}
	depthwise3x3PixelImpl[AVX512] = func(out, in, filter, bias []float32, c, rows, cols, inRow int, lo, hi float32) {
		depthwise3x3PixelAVX512(out, in, filter, bias, c, rows, cols, 4*inRow, lo, hi)
	}
}

type depthwiseRowsAsm func(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)

func depthwiseRowsX86(s1, s2 depthwiseRowsAsm) func(out, in, filter, bias []float32, c, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
	return func(out, in, filter, bias []float32, c, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
		inSkip, outSkip := depthwiseSkips(c, stride, inRow, outRow, n, pL, pR)
		k := s1
		if stride == 2 {
			k = s2
		}
		k(out, in, filter, bias, c, rows, m, n, pL, pR, 4*inRow, inSkip, outSkip, lo, hi)
	}
}
