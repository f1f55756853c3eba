package asm

import "math"

// Affine warp primitive for kernels.WarpAffine: bilinear samples of an
// 8-bit RGB image, summed over a supersampling grid, one output row chunk
// at a time.

// WarpSums dispatches with direct calls (warpSumsArch) rather than through
// a per-level table of func values: an indirect call makes every argument
// escape, and kernels.WarpAffine passes buffers on its stack.

// WarpSums sets, for every output pixel u < len(r), r[u], g[u] and b[u] to
// the sums over i, j < s of the bilinear samples of the RGB image pix
// (width x height pixels, stride bytes per row, channel ch of pixel (x, y)
// at pix[y*stride+3*x+ch]) at
//
//	x = geom[0] + u*geom[2] + i*geom[4] + j*geom[6]
//	y = geom[1] + u*geom[3] + i*geom[5] + j*geom[7]
//
// where pixels outside the image read as 0. Coordinates are float32,
// accumulated as in warpSumsGeneric (the vector levels fuse the products).
// It panics if g or b is shorter than r, s < 1, the sizes are not positive
// or pix is shorter than the image.
func WarpSums(r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32) {
	if len(r) == 0 {
		return
	}
	if len(g) < len(r) || len(b) < len(r) {
		panic("asm: WarpSums: g or b shorter than r")
	}
	if s < 1 || width < 1 || height < 1 || stride < 3*width || len(pix) < (height-1)*stride+3*width {
		panic("asm: WarpSums: bad image or supersampling")
	}
	raceWrite(r)
	raceWrite(g[:len(r)])
	raceWrite(b[:len(r)])
	if !warpSumsArch(ISA(), r, g[:len(r)], b[:len(r)], pix, width, height, stride, s, geom) {
		warpSumsGeneric(r, g[:len(r)], b[:len(r)], pix, width, height, stride, s, geom)
	}
}

// Separable primitives for axis-aligned warps (kernels.WarpAffine when the
// map neither rotates nor shears): a supersampled bilinear sum over an
// axis-aligned grid is a vertical weighted sum of whole source rows followed
// by a horizontal weighted sum of a few neighbouring columns, with
// contiguous loads instead of per-sample gathers.

// WarpRows sets, for every i < len(dst),
//
//	dst[i] = sum over r < len(w) of w[r] * float32(pix[r*stride+i])
//
// accumulated in order of r (the vector levels fuse the multiply-adds). It
// panics if w is empty, stride < 0 or pix is shorter than
// (len(w)-1)*stride + len(dst).
func WarpRows(dst []float32, pix []byte, stride int, w []float32) {
	n := len(dst)
	if n == 0 {
		return
	}
	if len(w) == 0 || stride < 0 || len(pix) < (len(w)-1)*stride+n {
		panic("asm: WarpRows: bad rows")
	}
	raceWrite(dst)
	v := n &^ 15 // the vector levels take whole vectors of 16
	if v == 0 || !warpRowsArch(ISA(), dst[:v], pix, stride, w) {
		v = 0
	}
	if v < n {
		warpRowsGeneric(dst[v:], pix[v:], stride, w)
	}
}

// WarpCols sets, for every output pixel u < len(r),
//
//	r[u] = sum over t < k of w[t*ws+u] * v[idx[u]+3*t]
//	g[u] = sum over t < k of w[t*ws+u] * v[idx[u]+3*t+1]
//	b[u] = sum over t < k of w[t*ws+u] * v[idx[u]+3*t+2]
//
// accumulated in order of t (the vector levels fuse the multiply-adds): v
// is a row of interleaved RGB values and pixel u reads k neighbouring
// pixels of it from element idx[u] on. It panics if g, b or idx is shorter
// than r, k < 1, ws < len(r), w is shorter than (k-1)*ws + len(r), or an
// index is out of range (idx[u] < 0 or idx[u]+3*k > len(v)).
func WarpCols(r, g, b, v []float32, idx []int32, w []float32, ws, k int) {
	n := len(r)
	if n == 0 {
		return
	}
	if len(g) < n || len(b) < n || len(idx) < n {
		panic("asm: WarpCols: g, b or idx shorter than r")
	}
	if k < 1 || ws < n || len(w) < (k-1)*ws+n || len(v) > math.MaxInt32 {
		panic("asm: WarpCols: bad taps")
	}
	for _, i := range idx[:n] {
		if i < 0 || int(i)+3*k > len(v) {
			panic("asm: WarpCols: index out of range")
		}
	}
	raceWrite(r)
	raceWrite(g[:n])
	raceWrite(b[:n])
	m := n &^ 15 // the vector levels take whole vectors of 16
	if m == 0 || !warpColsArch(ISA(), r[:m], g[:m], b[:m], v, idx[:m], w, ws, k) {
		m = 0
	}
	if m < n {
		warpColsGeneric(r[m:n], g[m:n], b[m:n], v, idx[m:n], w[m:], ws, k)
	}
}
