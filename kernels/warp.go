package kernels

import (
	"math"

	"github.com/facecluster/facecluster/asm"
)

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
// norm is then applied per channel. Sample positions are stepped in float32
// from a float64 start every 128 output pixels (asm.WarpSums), so they are
// exact to about 1e-7 of the coordinates' magnitude. Cost grows with s*s:
// at AVX-512 roughly 4 ns per sample on the development machine. It panics
// on an invalid source, negative output sizes or a short out. It allocates
// nothing.
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
	// Sums of a chunk of output pixels, channel-planar, on the stack.
	const chunk = 128
	var sums [3][chunk]float32
	var geom [8]float32
	geom[2], geom[3] = float32(m[0]), float32(m[3])
	geom[4], geom[5] = float32(m[0]*step), float32(m[3]*step)
	geom[6], geom[7] = float32(m[1]*step), float32(m[4]*step)
	for v := 0; v < outH; v++ {
		o := out[v*outW*3:]
		vv := float64(v) + off
		for u0 := 0; u0 < outW; u0 += chunk {
			n := min(chunk, outW-u0)
			// Sample (0, 0) of output pixel u0.
			uu := float64(u0) + off
			geom[0] = float32(m[0]*uu + m[1]*vv + m[2])
			geom[1] = float32(m[3]*uu + m[4]*vv + m[5])
			asm.WarpSums(sums[0][:n], sums[1][:n], sums[2][:n], src.Pix, src.Width, src.Height, src.Stride, s, &geom)
			oc := o[3*u0 : 3*(u0+n)]
			for ch := range 3 {
				sc, bi, p := scale[ch], bias[ch], pos[ch]
				for i, a := range sums[ch][:n] {
					oc[3*i+p] = a*sc + bi
				}
			}
		}
	}
}
