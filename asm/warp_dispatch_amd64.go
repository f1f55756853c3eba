//go:build gc && !purego && !noasm

package asm

import "math"

// warpSumsArch runs the vector version of WarpSums for level l and reports
// whether there is one (AVX-512 only; AVX2 takes the generic code). The
// kernel gathers dwords with 32-bit offsets: it needs 4 <= len(pix) < 2^31.
func warpSumsArch(l Level, r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32) bool {
	if l != AVX512 || len(pix) < 4 || len(pix) > math.MaxInt32 {
		return false
	}
	warpSumsAVX512(r, g, b, pix, width, height, stride, s, geom)
	return true
}

// resizeRowArch runs the vector version of ResizeRow for level l and
// reports whether there is one (AVX-512 only). The kernel gathers dwords
// with 32-bit offsets: it needs 4 <= len(row) < 2^31 for both rows.
func resizeRowArch(l Level, r, g, b []float32, row0, row1 []byte, xoff, xd []int32, xf []float32, fy float32) bool {
	if l != AVX512 || min(len(row0), len(row1)) < 4 || max(len(row0), len(row1)) > math.MaxInt32 {
		return false
	}
	resizeRowAVX512(r, g, b, row0, row1, xoff, xd, xf, fy)
	return true
}
