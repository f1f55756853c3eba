package kernels

import "math"

// MaxSupersample is the largest supersampling factor WarpAffine uses.
const MaxSupersample = 8

// Supersample returns the factor WarpAffine uses for matrix m when given
// samples <= 0: the ceiling of the largest distance in source pixels between
// neighbouring output pixels (1 when enlarging or keeping the scale), at
// most MaxSupersample.
func Supersample(m [6]float64) int {
	s := max(math.Hypot(m[0], m[3]), math.Hypot(m[1], m[4]))
	n := int(math.Ceil(s - 1e-6)) // 1 + float rounding is still 1
	return min(max(n, 1), MaxSupersample)
}

// WarpAffine resamples src through the affine map m into out [outH, outW, 3]
// (float32, NHWC): output pixel (u, v) samples the source at
//
//	x = m[0]*u + m[1]*v + m[2],  y = m[3]*u + m[4]*v + m[5]
//
// in pixel coordinates whose integers are pixel centres, by bilinear
// interpolation where source pixels outside the image read as 0 (black).
// When the map shrinks, each output pixel is the mean of s x s samples at
// (u+(i+0.5)/s-0.5, v+(j+0.5)/s-0.5), i, j < s, with s = samples, or
// Supersample(m) when samples <= 0 (samples is capped at MaxSupersample).
// norm is then applied per channel. It panics on an invalid source,
// negative output sizes or a short out. It allocates nothing.
func WarpAffine(out []float32, outH, outW int, src RGB, m [6]float64, samples int, norm PixelNorm) {
	src.check()
	checkOut(out, outH, outW)
	s := samples
	if s <= 0 {
		s = Supersample(m)
	}
	s = min(s, MaxSupersample)
	scale, bias, pos := norm.perm()
	inv := 1 / float32(s*s)
	for c := range 3 {
		scale[c] *= inv // fold the mean of the s*s samples into the scale
	}
	step := 1 / float64(s)
	off := 0.5/float64(s) - 0.5
	for v := 0; v < outH; v++ {
		o := out[v*outW*3:]
		// Source position of sample (i, j) of output pixel (u, v):
		// base + u*(m0, m3) + i*step*(m0, m3) + j*step*(m1, m4).
		vv := float64(v) + off
		bx := m[1]*vv + m[2] + m[0]*off
		by := m[4]*vv + m[5] + m[3]*off
		for u := 0; u < outW; u++ {
			var acc [3]float32
			ux := bx + m[0]*float64(u)
			uy := by + m[3]*float64(u)
			for j := 0; j < s; j++ {
				x := ux + m[1]*step*float64(j)
				y := uy + m[4]*step*float64(j)
				for i := 0; i < s; i++ {
					sampleZero(&acc, src, x, y)
					x += m[0] * step
					y += m[3] * step
				}
			}
			for ch := range 3 {
				o[3*u+pos[ch]] = acc[ch]*scale[ch] + bias[ch]
			}
		}
	}
}

// sampleZero adds to acc the bilinear sample of src at (x, y), pixels
// outside the image reading as 0.
func sampleZero(acc *[3]float32, src RGB, x, y float64) {
	fx0 := math.Floor(x)
	fy0 := math.Floor(y)
	// Entirely outside (also catches NaN and huge coordinates).
	if !(fx0 >= -1 && fx0 < float64(src.Width) && fy0 >= -1 && fy0 < float64(src.Height)) {
		return
	}
	x0, y0 := int(fx0), int(fy0)
	ax := float32(x - fx0)
	ay := float32(y - fy0)
	if x0 >= 0 && y0 >= 0 && x0 < src.Width-1 && y0 < src.Height-1 {
		// All four taps inside: the common case.
		p := src.Pix[y0*src.Stride+3*x0:]
		q := src.Pix[(y0+1)*src.Stride+3*x0:]
		p, q = p[:6:6], q[:6:6]
		for c := range 3 {
			t0, t1 := float32(p[c]), float32(p[c+3])
			b0, b1 := float32(q[c]), float32(q[c+3])
			top := t0 + ax*(t1-t0)
			bot := b0 + ax*(b1-b0)
			acc[c] += top + ay*(bot-top)
		}
		return
	}
	w := [4]float32{(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay}
	for t := range 4 {
		px, py := x0+t&1, y0+t>>1
		if px < 0 || px >= src.Width || py < 0 || py >= src.Height {
			continue
		}
		p := src.Pix[py*src.Stride+3*px:]
		acc[0] += w[t] * float32(p[0])
		acc[1] += w[t] * float32(p[1])
		acc[2] += w[t] * float32(p[2])
	}
}
