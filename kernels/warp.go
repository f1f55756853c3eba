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
// at AVX-512 roughly 2 ns per sample on the development machine. It panics
// on an invalid source, negative output sizes or a short out. It allocates
// nothing.
//
// A map that neither rotates nor shears (m[1] = m[3] = 0, as when shrinking
// a whole photo into a letterbox) takes a separable path instead: the s x s
// samples' bilinear weights factor into per-row and per-column weights
// (sum over i, j of wx_i*wy_j*P = sum over taps of (sum_i wx_i)(sum_j wy_j) P),
// so each output row is a weighted sum of the few source rows it touches
// (asm.WarpRows, contiguous loads) followed by a weighted sum of a few
// neighbouring columns (asm.WarpCols). Positions and weights are computed
// in float64 there; cost grows with s, not s*s.
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
	if warpSeparable(out, outH, outW, src, m, s, scale, bias, pos) {
		return
	}
	// Sums of a chunk of output pixels, channel-planar, on the stack.
	const chunk = sepChunk
	var sums [3][chunk]float32
	osc, obi := outputOrder(scale, bias, pos)
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
			storeSums(o[3*u0:3*(u0+n)], &sums, n, &osc, &obi, pos)
		}
	}
}

// Limits of the separable path.
const (
	sepChunk = 128  // output columns whose taps are computed at once
	sepTaps  = 12   // columns (or rows) the samples of one output pixel touch
	sepSpan  = 1024 // source columns one chunk reads
	sepScale = 9    // largest |m[0]|, |m[4]|: (s-1)/s*9 + 2 columns < sepTaps
)

// warpSeparable runs WarpAffine's separable path for a map that neither
// rotates nor shears and reports whether it did; scale, bias and pos are
// the normalisation with the mean folded in.
func warpSeparable(out []float32, outH, outW int, src RGB, m [6]float64, s int, scale, bias [3]float32, pos [3]int) bool {
	if m[1] != 0 || m[3] != 0 || !(math.Abs(m[0]) <= sepScale && math.Abs(m[4]) <= sepScale) ||
		!(math.Abs(m[2]) < 1<<24 && math.Abs(m[5]) < 1<<24) || outW > 1<<20 || outH > 1<<20 {
		return false // NaN, infinite and huge maps fail the tests too
	}
	if src.Width < sepTaps || src.Height < 1 {
		return false
	}
	fs := float64(s)
	osc, obi := outputOrder(scale, bias, pos)
	// Output columns per chunk: its source span must fit sepSpan.
	nc := min(sepChunk, 16*((sepSpan-2*sepTaps)/int(math.Ceil(math.Abs(m[0]))+1)/16))
	var (
		lo, hi [sepChunk]int32
		idx    [sepChunk]int32
		wx     [sepTaps * sepChunk]float32
		wy     [2 * MaxSupersample]float32
		row    [3][sepSpan]float32
		sums   [3][sepChunk]float32
	)
	// taps returns the first and last pixel (clipped to [0, size)) touched
	// by the s samples of output pixel u along one axis, a > b when none.
	taps := func(a, c float64, u, size int) (int, int) {
		x0 := a*(float64(u)+0.5/fs-0.5) + c
		x1 := a*(float64(u)+(fs-0.5)/fs-0.5) + c
		f, l := math.Floor(min(x0, x1)), math.Floor(max(x0, x1))+1
		return int(max(f, 0)), int(min(l, float64(size-1)))
	}
	// weights adds the bilinear weights of the s samples of output pixel u
	// along one axis to w[(p-first)*ws], pixels p in [0, size).
	weights := func(w []float32, ws int, a, c float64, u, first, size int) {
		var acc [sepTaps]float64
		for i := range s {
			x := a*(float64(u)+(float64(i)+0.5)/fs-0.5) + c
			f := math.Floor(x)
			ax := x - f
			p := int(f)
			if p >= 0 && p < size {
				acc[p-first] += 1 - ax
			}
			if p+1 >= 0 && p+1 < size {
				acc[p+1-first] += ax
			}
		}
		for t, v := range acc {
			if t*ws < len(w) {
				w[t*ws] = float32(v)
			}
		}
	}
	for u0 := 0; u0 < outW; u0 += nc {
		n := min(nc, outW-u0)
		// Column taps of the chunk: k columns from c0 for every pixel.
		k := 1
		for u := range n {
			a, b := taps(m[0], m[2], u0+u, src.Width)
			lo[u], hi[u] = int32(a), int32(b)
			k = max(k, b-a+1)
		}
		seg0, seg1 := src.Width, 0
		for u := range n {
			c0 := max(0, min(int(lo[u]), src.Width-k))
			idx[u] = int32(c0)
			seg0, seg1 = min(seg0, c0), max(seg1, c0+k)
		}
		for u := range n {
			c0 := int(idx[u])
			weights(wx[u:k*sepChunk], sepChunk, m[0], m[2], u0+u, c0, src.Width)
			idx[u] = int32(c0 - seg0)
		}
		nr := seg1 - seg0
		for v := 0; v < outH; v++ {
			oc := out[v*outW*3+3*u0 : v*outW*3+3*(u0+n)]
			r0, r1 := taps(m[4], m[5], v, src.Height)
			if r0 > r1 { // no sample reaches the image
				for i := 0; i < len(oc); i += 3 {
					for ch := range 3 {
						oc[i+pos[ch]] = bias[ch]
					}
				}
				continue
			}
			ky := r1 - r0 + 1
			weights(wy[:ky], 1, m[4], m[5], v, r0, src.Height)
			asm.WarpRows(row[0][:nr], row[1][:nr], row[2][:nr], src.Pix[r0*src.Stride+3*seg0:], src.Stride, wy[:ky])
			asm.WarpCols(sums[0][:n], sums[1][:n], sums[2][:n], row[0][:nr], row[1][:nr], row[2][:nr], idx[:n], wx[:], sepChunk, k)
			storeSums(oc, &sums, n, &osc, &obi, pos)
		}
	}
	return true
}

// outputOrder returns the normalisation's scale and bias by output channel.
func outputOrder(scale, bias [3]float32, pos [3]int) (sc, bi [3]float32) {
	for ch, p := range pos {
		sc[p], bi[p] = scale[ch], bias[ch]
	}
	return sc, bi
}

// storeSums writes the channel-planar sums of n pixels to out normalised
// and interleaved: channel ch at position pos[ch], with the scale and bias
// by output channel sc, bi.
func storeSums(out []float32, sums *[3][sepChunk]float32, n int, sc, bi *[3]float32, pos [3]int) {
	var p [3][]float32
	for ch, q := range pos {
		p[q] = sums[ch][:n]
	}
	asm.WarpStore(out, p[0], p[1], p[2], sc, bi)
}
