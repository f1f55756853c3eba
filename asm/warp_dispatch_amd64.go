//go:build gc && !purego && !noasm

package asm

import "math"

// warpSumsArch runs the vector version of WarpSums for level l and reports
// whether there is one. The kernels gather with 32-bit offsets, dwords at
// AVX2 and qwords at AVX-512: they need 8 <= len(pix) < 2^31.
func warpSumsArch(l Level, r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32) bool {
	if len(pix) < 8 || len(pix) > math.MaxInt32 {
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

// warpRowsArch runs the vector version of WarpRows for level l and reports
// whether there is one. len(r) is a positive multiple of 16.
func warpRowsArch(l Level, r, g, b []float32, pix []byte, stride int, w []float32) bool {
	switch l {
	case AVX512:
		warpRowsAVX512(r, g, b, pix, stride, w)
	case AVX2:
		warpRowsAVX2(r, g, b, pix, stride, w)
	default:
		return false
	}
	return true
}

// warpColsArch runs the vector version of WarpCols for level l and reports
// whether there is one. len(r) is a positive multiple of 16 and
// vr, vg, vb are as long as each other and shorter than 2^31 (the kernels
// gather with 32-bit indices).
func warpColsArch(l Level, r, g, b, vr, vg, vb []float32, idx []int32, w []float32, ws, k int) bool {
	switch l {
	case AVX512:
		warpColsAVX512(r, g, b, vr, vg, vb, idx, w, ws, k)
	case AVX2:
		warpColsAVX2(r, g, b, vr, vg, vb, idx, w, ws, k)
	default:
		return false
	}
	return true
}

// warpStoreArch runs the vector version of WarpStore for level l and
// reports whether there is one. len(p0) is a positive multiple of 16.
func warpStoreArch(l Level, out, p0, p1, p2 []float32, scale, bias *[3]float32) bool {
	switch l {
	case AVX512:
		warpStoreAVX512(out, p0, p1, p2, scale, bias)
	case AVX2:
		warpStoreAVX2(out, p0, p1, p2, scale, bias)
	default:
		return false
	}
	return true
}
