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

// WarpRows sets, for every pixel i < len(r) of an RGB row,
//
//	r[i] = sum over j < len(w) of w[j] * float32(pix[j*stride+3*i])
//	g[i] = sum over j < len(w) of w[j] * float32(pix[j*stride+3*i+1])
//	b[i] = sum over j < len(w) of w[j] * float32(pix[j*stride+3*i+2])
//
// accumulated in order of j (the vector levels fuse the multiply-adds): the
// weighted sum of len(w) rows stride bytes apart, one plane per channel. It
// panics if g or b is shorter than r, w is empty, stride < 0 or pix is
// shorter than (len(w)-1)*stride + 3*len(r).
func WarpRows(r, g, b []float32, pix []byte, stride int, w []float32) {
	n := len(r)
	if n == 0 {
		return
	}
	if len(g) < n || len(b) < n {
		panic("asm: WarpRows: g or b shorter than r")
	}
	if len(w) == 0 || stride < 0 || len(pix) < (len(w)-1)*stride+3*n {
		panic("asm: WarpRows: bad rows")
	}
	raceWrite(r)
	raceWrite(g[:n])
	raceWrite(b[:n])
	v := n &^ 15 // the vector levels take whole vectors of 16
	if v == 0 || !warpRowsArch(ISA(), r[:v], g[:v], b[:v], pix, stride, w) {
		v = 0
	}
	if v < n {
		warpRowsGeneric(r[v:n], g[v:n], b[v:n], pix[3*v:], stride, w)
	}
}

// WarpCols sets, for every output pixel u < len(r),
//
//	r[u] = sum over t < k of w[t*ws+u] * vr[idx[u]+t]
//	g[u] = sum over t < k of w[t*ws+u] * vg[idx[u]+t]
//	b[u] = sum over t < k of w[t*ws+u] * vb[idx[u]+t]
//
// accumulated in order of t (the vector levels fuse the multiply-adds):
// output pixel u is a weighted sum of the k neighbouring pixels from
// idx[u] on of a planar row. The AVX-512 level permutes a window of the
// row in registers when the 16 pixels of a vector read at most 48
// neighbouring pixels (a map shrinking by up to about 2.8), and gathers
// otherwise. It panics if g, b or idx is shorter than r, k < 1, ws < len(r),
// w is shorter than (k-1)*ws + len(r), or an index is out of range
// (idx[u] < 0 or idx[u]+k longer than vr, vg or vb).
func WarpCols(r, g, b, vr, vg, vb []float32, idx []int32, w []float32, ws, k int) {
	n := len(r)
	if n == 0 {
		return
	}
	if len(g) < n || len(b) < n || len(idx) < n {
		panic("asm: WarpCols: g, b or idx shorter than r")
	}
	lv := min(len(vr), len(vg), len(vb))
	if k < 1 || ws < n || len(w) < (k-1)*ws+n || lv > math.MaxInt32 {
		panic("asm: WarpCols: bad taps")
	}
	for _, i := range idx[:n] {
		if i < 0 || int(i)+k > lv {
			panic("asm: WarpCols: index out of range")
		}
	}
	raceWrite(r)
	raceWrite(g[:n])
	raceWrite(b[:n])
	m := n &^ 15 // the vector levels take whole vectors of 16
	if m == 0 || !warpColsArch(ISA(), r[:m], g[:m], b[:m], vr[:lv], vg[:lv], vb[:lv], idx[:m], w, ws, k) {
		m = 0
	}
	if m < n {
		warpColsGeneric(r[m:n], g[m:n], b[m:n], vr, vg, vb, idx[m:n], w[m:], ws, k)
	}
}

// WarpStore interleaves and normalises planes: for every pixel i < len(p0)
// and channel c < 3,
//
//	out[3*i+c] = pc[i]*scale[c] + bias[c]
//
// where p0, p1, p2 are the planes in output order (the vector levels fuse
// the multiply-add). It panics if p1 or p2 is shorter than p0 or out is
// shorter than 3*len(p0).
func WarpStore(out, p0, p1, p2 []float32, scale, bias *[3]float32) {
	n := len(p0)
	if n == 0 {
		return
	}
	if len(p1) < n || len(p2) < n || len(out) < 3*n {
		panic("asm: WarpStore: short plane or out")
	}
	raceWrite(out[:3*n])
	v := n &^ 15 // the vector levels take whole vectors of 16
	if v == 0 || !warpStoreArch(ISA(), out[:3*v], p0[:v], p1[:v], p2[:v], scale, bias) {
		v = 0
	}
	if v < n {
		warpStoreGeneric(out[3*v:3*n], p0[v:n], p1[v:n], p2[v:n], scale, bias)
	}
}
