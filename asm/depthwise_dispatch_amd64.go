//go:build gc && !purego && !noasm

package asm

// The depthwise kernels come in one function per stride and take byte
// strides; depthwiseRowsX86 adapts them to the table's signature. Each
// stride has two row kernels: a vector of channels over all rows (few
// channels) and the channels of a few pixels at a time (many channels).

func init() {
	depthwise3x3RowsImpl[AVX2] = depthwiseRowsX86(depthwise3x3RowsS1AVX2, depthwise3x3RowsS2AVX2,
		depthwise3x3RowsChanS1AVX2, depthwise3x3RowsChanS2AVX2, depthwiseChanMin)
	depthwise3x3RowsImpl[AVX512] = depthwiseRowsX86(depthwise3x3RowsS1AVX512, depthwise3x3RowsS2AVX512,
		depthwise3x3RowsChanS1AVX512, depthwise3x3RowsChanS2AVX512, depthwiseChanMinS2)
	depthwisePadImpl[AVX2] = depthwisePadX86
	depthwisePadImpl[AVX512] = depthwisePadX86
	depthwise3x3PixelImpl[AVX2] = func(out, in, filter, bias []float32, c, rows, cols, inRow int, lo, hi float32) {
		depthwise3x3PixelAVX2(out, in, filter, bias, c, rows, cols, 4*inRow, lo, hi)
	}
	depthwise3x3PixelImpl[AVX512] = func(out, in, filter, bias []float32, c, rows, cols, inRow int, lo, hi float32) {
		depthwise3x3PixelAVX512(out, in, filter, bias, c, rows, cols, 4*inRow, lo, hi)
	}
}

type (
	depthwiseRowsAsm     func(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)
	depthwiseRowsChanAsm func(out, in, filter, bias []float32, c, inPixBytes, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)
)

// depthwiseChanMin is the number of channels from which the row kernels
// walk the channels innermost: from there on, the pixels of one vector of
// channels are far enough apart to crowd a few L1 sets. At stride 2 with
// AVX-512 it is depthwiseChanMinS2: a stride-2 layer's input is four times
// its output and seldom in cache, and the channels-innermost walk reads it
// line after line (faceres 112x112x64 s2 in its fused band: about 50 us
// less of ~200; at AVX2 no clear gain).
var (
	depthwiseChanMin   = 128
	depthwiseChanMinS2 = 64
)

// depthwisePadX86 is DepthwisePixelStride at the x86 levels: the channels
// innermost kernels read a vector of channels from three rows of up to 16
// pixels at a time, which share a few L1 sets when the pixels are a
// multiple of 1 KiB apart; one more cache line per pixel spreads them over
// all the sets.
func depthwisePadX86(c int) int {
	if c >= depthwiseChanMin && (4*c)%1024 == 0 {
		return c + 16
	}
	return c
}

// depthwiseRowsX86 picks the row kernel: channels innermost from
// depthwiseChanMin channels (minS2 at stride 2); the few-channel kernels
// read pixels c apart, so other input pixel strides below that take the
// generic code.
func depthwiseRowsX86(s1, s2 depthwiseRowsAsm, chan1, chan2 depthwiseRowsChanAsm, minS2 int) func(out, in, filter, bias []float32, c, inPix, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
	return func(out, in, filter, bias []float32, c, inPix, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
		inSkip, outSkip := depthwiseSkips(c, inPix, stride, inRow, outRow, n, pL, pR)
		if c >= depthwiseChanMin || stride == 2 && c >= minS2 {
			k := chan1
			if stride == 2 {
				k = chan2
			}
			k(out, in, filter, bias, c, 4*inPix, rows, m, n, pL, pR, 4*inRow, inSkip, outSkip, lo, hi)
			return
		}
		if inPix != c {
			depthwise3x3RowsGeneric(out, in, filter, bias, c, inPix, stride, rows, m, inRow, outRow, n, pL, pR, lo, hi)
			return
		}
		k := s1
		if stride == 2 {
			k = s2
		}
		k(out, in, filter, bias, c, rows, m, n, pL, pR, 4*inRow, inSkip, outSkip, lo, hi)
	}
}
