//go:build gc && !purego && !noasm

package asm

// The NEON pooling kernels need c >= 4 (their last channel group overlaps
// the previous one); fewer channels take the generic code.

func init() {
	maxPoolRowImpl[NEON] = func(out, in []float32, c, n, cols, stride, rows, rowStride int) {
		if c < 4 {
			maxPoolRowGeneric(out, in, c, n, cols, stride, rows, rowStride)
			return
		}
		maxPoolRowNEON(out, in, c, n, cols, rows, 4*stride*c, 4*rowStride)
	}
	avgPoolRowImpl[NEON] = func(out, in []float32, c, n, cols, stride, rows, rowStride int, scale float32) {
		if c < 4 {
			avgPoolRowGeneric(out, in, c, n, cols, stride, rows, rowStride, scale)
			return
		}
		avgPoolRowNEON(out, in, c, n, cols, rows, 4*stride*c, 4*rowStride, scale)
	}
}
