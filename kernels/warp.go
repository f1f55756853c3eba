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
	step := 1 / float64(s)
	off := 0.5/float64(s) - 0.5
	for v := 0; v < outH; v++ {
		o := out[v*outW*3:]
		for u := 0; u < outW; u++ {
			var acc [3]float32
			for j := 0; j < s; j++ {
				vv := float64(v) + off + float64(j)*step
				for i := 0; i < s; i++ {
					uu := float64(u) + off + float64(i)*step
					x := m[0]*uu + m[1]*vv + m[2]
					y := m[3]*uu + m[4]*vv + m[5]
					sampleZero(&acc, src, x, y)
				}
			}
			for ch := range 3 {
				o[3*u+pos[ch]] = acc[ch]*inv*scale[ch] + bias[ch]
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
