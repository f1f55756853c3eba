//go:build !gc || purego || noasm || !amd64

package asm

// warpSumsArch runs a vector version of WarpSums for level l and reports
// whether there is one; this build has none.
func warpSumsArch(l Level, r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32) bool {
	return false
}

// resizeRowArch runs a vector version of ResizeRow for level l and reports
// whether there is one; this build has none.
func resizeRowArch(l Level, r, g, b []float32, row0, row1 []byte, xoff, xd []int32, xf []float32, fy float32) bool {
	return false
}

// warpRowsArch runs a vector version of WarpRows for level l and reports
// whether there is one; this build has none.
func warpRowsArch(l Level, r, g, b []float32, pix []byte, stride int, w []float32) bool {
	return false
}

// warpColsArch runs a vector version of WarpCols for level l and reports
// whether there is one; this build has none.
func warpColsArch(l Level, r, g, b, vr, vg, vb []float32, idx []int32, w []float32, ws, k int) bool {
	return false
}

// warpStoreArch runs a vector version of WarpStore for level l and reports
// whether there is one; this build has none.
func warpStoreArch(l Level, out, p0, p1, p2 []float32, scale, bias *[3]float32) bool {
	return false
}
