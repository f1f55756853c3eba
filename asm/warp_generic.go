package asm

// warpSumsGeneric is the reference for WarpSums.
func warpSumsGeneric(r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32) {
	x0, y0, dxu, dyu, dxi, dyi, dxj, dyj := geom[0], geom[1], geom[2], geom[3], geom[4], geom[5], geom[6], geom[7]
	for u := range r {
		xu := x0 + float32(u)*dxu
		yu := y0 + float32(u)*dyu
		var acc [3]float32
		for j := 0; j < s; j++ {
			x, y := xu, yu
			for i := 0; i < s; i++ {
				bilinearZero(&acc, pix, width, height, stride, x, y)
				x += dxi
				y += dyi
			}
			xu += dxj
			yu += dyj
		}
		r[u], g[u], b[u] = acc[0], acc[1], acc[2]
	}
}

// bilinearZero adds to acc the bilinear sample at (x, y), pixels outside
// the image reading as 0.
func bilinearZero(acc *[3]float32, pix []byte, width, height, stride int, x, y float32) {
	// Entirely outside (also NaN and huge coordinates): x < -1 has no tap
	// inside, nor x >= width.
	if !(x >= -1 && x < float32(width) && y >= -1 && y < float32(height)) {
		return
	}
	ix, iy := floor32(x), floor32(y)
	fx, fy := float32(ix), float32(iy)
	ax, ay := x-fx, y-fy
	bx, by := 1-ax, 1-ay
	if ix >= 0 && iy >= 0 && ix < width-1 && iy < height-1 {
		p := pix[iy*stride+3*ix:][:6:6]
		q := pix[(iy+1)*stride+3*ix:][:6:6]
		for c := range 3 {
			acc[c] += bx*by*float32(p[c]) + ax*by*float32(p[c+3]) + bx*ay*float32(q[c]) + ax*ay*float32(q[c+3])
		}
		return
	}
	w := [4]float32{bx * by, ax * by, bx * ay, ax * ay}
	for t := range 4 {
		px, py := ix+t&1, iy+t>>1
		if px < 0 || px >= width || py < 0 || py >= height {
			continue
		}
		p := pix[py*stride+3*px:][:3:3]
		acc[0] += w[t] * float32(p[0])
		acc[1] += w[t] * float32(p[1])
		acc[2] += w[t] * float32(p[2])
	}
}

// floor32 returns floor(x) for |x| < 2^31.
func floor32(x float32) int {
	i := int(x) // truncates towards zero
	if float32(i) > x {
		i--
	}
	return i
}

// warpRowsGeneric is the reference for WarpRows.
func warpRowsGeneric(r, g, b []float32, pix []byte, stride int, w []float32) {
	// Row by row: each element still sums in order of j (0 + x is x).
	n := len(r)
	g, b = g[:n], b[:n]
	clear(r)
	clear(g)
	clear(b)
	for j, wj := range w {
		row := pix[j*stride:][:3*n]
		for i := range r {
			p := row[3*i : 3*i+3 : 3*i+3]
			r[i] += wj * float32(p[0])
			g[i] += wj * float32(p[1])
			b[i] += wj * float32(p[2])
		}
	}
}

// warpColsGeneric is the reference for WarpCols.
func warpColsGeneric(r, g, b, vr, vg, vb []float32, idx []int32, w []float32, ws, k int) {
	for u := range r {
		i := int(idx[u])
		pr, pg, pb := vr[i:i+k], vg[i:i+k], vb[i:i+k]
		var ar, ag, ab float32
		for t := range k {
			wt := w[t*ws+u]
			ar += wt * pr[t]
			ag += wt * pg[t]
			ab += wt * pb[t]
		}
		r[u], g[u], b[u] = ar, ag, ab
	}
}

// warpStoreGeneric is the reference for WarpStore.
func warpStoreGeneric(out, p0, p1, p2 []float32, scale, bias *[3]float32) {
	s0, s1, s2 := scale[0], scale[1], scale[2]
	b0, b1, b2 := bias[0], bias[1], bias[2]
	p1, p2 = p1[:len(p0)], p2[:len(p0)]
	for i, a := range p0 {
		o := out[3*i : 3*i+3 : 3*i+3]
		o[0] = a*s0 + b0
		o[1] = p1[i]*s1 + b1
		o[2] = p2[i]*s2 + b2
	}
}
