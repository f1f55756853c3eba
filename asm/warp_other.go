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
