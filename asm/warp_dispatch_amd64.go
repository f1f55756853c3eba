//go:build gc && !purego && !noasm

package asm

import "math"

// warpSumsArch runs the vector version of WarpSums for level l and reports
// whether there is one. The kernels gather dwords with 32-bit offsets: they
// need 4 <= len(pix) < 2^31.
func warpSumsArch(l Level, r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32) bool {
	if len(pix) < 4 || len(pix) > math.MaxInt32 {
		return false
	}
	switch l {
	case AVX512:
		warpSumsAVX512(r, g, b, pix, width, height, stride, s, geom)
	case AVX2:
		warpSumsAVX2(r, g, b, pix, width, height, stride, s, geom)
	default:
		return false
	}
	return true
}

// resizeRowArch runs the vector version of ResizeRow for level l and
// reports whether there is one. The kernels gather dwords with 32-bit
// offsets: they need 4 <= len(row) < 2^31 for both rows.
func resizeRowArch(l Level, r, g, b []float32, row0, row1 []byte, xoff, xd []int32, xf []float32, fy float32) bool {
	if min(len(row0), len(row1)) < 4 || max(len(row0), len(row1)) > math.MaxInt32 {
		return false
	}
	switch l {
	case AVX512:
		resizeRowAVX512(r, g, b, row0, row1, xoff, xd, xf, fy)
	case AVX2:
		resizeRowAVX2(r, g, b, row0, row1, xoff, xd, xf, fy)
	default:
		return false
	}
	return true
}
