package asm

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
