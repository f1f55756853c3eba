//go:build gc && !purego && !noasm

package asm

// The pooling kernels take byte strides; these adapters give them the
// table's signature.

func init() {
	maxPoolRowImpl[AVX2] = maxPoolRowX86(maxPoolRowAVX2)
	maxPoolRowImpl[AVX512] = maxPoolRowX86(maxPoolRowAVX512)
	avgPoolRowImpl[AVX2] = avgPoolRowX86(avgPoolRowAVX2)
	avgPoolRowImpl[AVX512] = avgPoolRowX86(avgPoolRowAVX512)
}

func maxPoolRowX86(k func(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int)) func(out, in []float32, c, n, cols, stride, rows, rowStride int) {
	return func(out, in []float32, c, n, cols, stride, rows, rowStride int) {
		k(out, in, c, n, cols, rows, 4*stride*c, 4*rowStride)
	}
}

func avgPoolRowX86(k func(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int, scale float32)) func(out, in []float32, c, n, cols, stride, rows, rowStride int, scale float32) {
	return func(out, in []float32, c, n, cols, stride, rows, rowStride int, scale float32) {
		k(out, in, c, n, cols, rows, 4*stride*c, 4*rowStride, scale)
	}
}
