package asm

// Bilinear resize primitive for kernels.ResizeBilinear: one output row of
// an 8-bit RGB image resized with precomputed column taps. Like WarpSums it
// dispatches by direct calls (resizeRowArch) so that the caller's stack
// buffers do not escape.

// ResizeRow interpolates output pixels u < len(r) between the source rows
// row0 and row1 (3 bytes per pixel) with TensorFlow's order of operations:
//
//	a, b := xoff[u], xoff[u]+xd[u]          // byte offsets of the left and right taps
//	top := row0[a+ch] + (row0[b+ch]-row0[a+ch])*xf[u]
//	bot := row1[a+ch] + (row1[b+ch]-row1[a+ch])*xf[u]
//	out := top + (bot-top)*fy               // into r, g, b for ch = 0, 1, 2
//
// The vector levels fuse the multiply-adds. It panics if g, b, xoff, xd or
// xf is shorter than r; offsets must lie in both rows (a+2, b+2 < len).
func ResizeRow(r, g, b []float32, row0, row1 []byte, xoff, xd []int32, xf []float32, fy float32) {
	n := len(r)
	if n == 0 {
		return
	}
	if len(g) < n || len(b) < n || len(xoff) < n || len(xd) < n || len(xf) < n {
		panic("asm: ResizeRow: slice shorter than r")
	}
	raceWrite(r)
	raceWrite(g[:n])
	raceWrite(b[:n])
	if !resizeRowArch(ISA(), r, g[:n], b[:n], row0, row1, xoff[:n], xd[:n], xf[:n], fy) {
		resizeRowGeneric(r, g[:n], b[:n], row0, row1, xoff[:n], xd[:n], xf[:n], fy)
	}
}
