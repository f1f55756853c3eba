package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

// refWarp is the float64 reference for WarpAffine.
func refWarp(src kernels.RGB, outH, outW int, m [6]float64, s int, n kernels.PixelNorm) []float64 {
	out := make([]float64, outH*outW*3)
	pix := func(x, y, ch int) float64 {
		if x < 0 || y < 0 || x >= src.Width || y >= src.Height {
			return 0
		}
		return float64(src.Pix[y*src.Stride+3*x+ch])
	}
	for v := 0; v < outH; v++ {
		for u := 0; u < outW; u++ {
			var acc [3]float64
			for j := 0; j < s; j++ {
				for i := 0; i < s; i++ {
					uu := float64(u) + (float64(i)+0.5)/float64(s) - 0.5
					vv := float64(v) + (float64(j)+0.5)/float64(s) - 0.5
					x := m[0]*uu + m[1]*vv + m[2]
					y := m[3]*uu + m[4]*vv + m[5]
					x0, y0 := math.Floor(x), math.Floor(y)
					fx, fy := x-x0, y-y0
					xi, yi := int(x0), int(y0)
					if x0 < -2 || y0 < -2 || x0 > float64(src.Width)+1 || y0 > float64(src.Height)+1 {
						continue
					}
					for ch := 0; ch < 3; ch++ {
						acc[ch] += (1-fx)*(1-fy)*pix(xi, yi, ch) + fx*(1-fy)*pix(xi+1, yi, ch) +
							(1-fx)*fy*pix(xi, yi+1, ch) + fx*fy*pix(xi+1, yi+1, ch)
					}
				}
			}
			for ch := 0; ch < 3; ch++ {
				oc := ch
				if n.BGR {
					oc = 2 - ch
				}
				out[(v*outW+u)*3+oc] = acc[ch]/float64(s*s)*float64(n.Scale[oc]) + float64(n.Bias[oc])
			}
		}
	}
	return out
}

// ktSimilarity returns the matrix mapping output pixels to the source by a
// rotation by angle, a scale, and a translation putting output (cx, cy) at
// source (sx, sy).
func ktSimilarity(angle, scale, cx, cy, sx, sy float64) [6]float64 {
	c, s := scale*math.Cos(angle), scale*math.Sin(angle)
	return [6]float64{c, -s, sx - c*cx + s*cy, s, c, sy - s*cx - c*cy}
}

func checkWarp(t testing.TB, src kernels.RGB, oh, ow int, m [6]float64, samples int, n kernels.PixelNorm, off int) {
	t.Helper()
	s := samples
	if s <= 0 {
		s = kernels.Supersample(m)
	}
	s = min(s, kernels.MaxSupersample)
	want := refWarp(src, oh, ow, m, s, n)
	out, guard := ktGuarded(oh*ow*3, off)
	kernels.WarpAffine(out, oh, ow, src, m, samples, n)
	guard(t)
	// Coordinates may be rounded to float32: allow their error times the
	// steepest possible gradient (255 per pixel).
	coordErr := 4 * ktU * (math.Abs(m[0])*float64(ow) + math.Abs(m[1])*float64(oh) + math.Abs(m[2]) +
		math.Abs(m[3])*float64(ow) + math.Abs(m[4])*float64(oh) + math.Abs(m[5]) + 1)
	for i := range want {
		mag := ktNormMag(n, i%3)
		tol := 64*ktU + 255*coordErr
		if !ktClose(out[i], want[i], mag, tol) {
			t.Fatalf("%dx%d -> %dx%d m=%v s=%d: out[%d] (v=%d u=%d c=%d) = %v, want %v", src.Width, src.Height, ow, oh, m, s, i, i/3/ow, i/3%ow, i%3, out[i], want[i])
		}
	}
}

func TestWarpAffine(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(13, 14))
		for k := 0; k < 150; k++ {
			sw, sh := 1+r.IntN(40), 1+r.IntN(40)
			src := ktImage(r, sw, sh, r.IntN(4))
			ow, oh := 1+r.IntN(23), 1+r.IntN(23)
			scale := []float64{0.3, 1, 1.5, 2.7, 5, 11}[k%6]
			m := ktSimilarity(r.Float64()*2*math.Pi, scale, float64(ow)/2, float64(oh)/2, r.Float64()*float64(sw), r.Float64()*float64(sh))
			if k%7 == 0 { // a general affine map
				for i := range m {
					m[i] += r.Float64() - 0.5
				}
			}
			samples := 0
			if k%5 == 0 {
				samples = 1 + r.IntN(3)
			}
			checkWarp(t, src, oh, ow, m, samples, ktNorm(r, k%2 == 0), k%5)
		}
		// The identity reproduces the image.
		src := ktImage(r, 9, 7, 2)
		out := make([]float32, 7*9*3)
		kernels.WarpAffine(out, 7, 9, src, [6]float64{1, 0, 0, 0, 1, 0}, 0, kernels.NewPixelNorm([3]float32{}, [3]float32{1, 1, 1}, false))
		for y := 0; y < 7; y++ {
			for x := 0; x < 27; x++ {
				if got, want := out[y*27+x], float32(src.Pix[y*src.Stride+x]); got != want {
					t.Fatalf("identity: (%d,%d) = %v, want %v", x/3, y, got, want)
				}
			}
		}
		// The dlib chip and the faceres crop geometry.
		big := ktImage(r, 160, 120, 0)
		checkWarp(t, big, 150, 150, ktSimilarity(0.2, 0.6, 75, 75, 80, 60), 0, ktNorm(r, false), 1)
		checkWarp(t, big, 56, 56, ktSimilarity(-0.4, 2.3, 28, 28, 90, 50), 0, ktNorm(r, true), 0)
	})
}

// TestWarpAffineAxisAligned covers the separable path (no rotation nor
// shear): scales on each axis from enlarging to the largest it takes and
// past it, flips, images partly or wholly outside, chunks of columns.
func TestWarpAffineAxisAligned(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(15, 16))
		scales := []float64{0.3, 0.7, 1, 1.5, 2, 2.5, 3.3, 5, 8.9, 9, 9.5, -1, -2.5, 0}
		for k := 0; k < 300; k++ {
			sw, sh := 1+r.IntN(60), 1+r.IntN(40)
			if k%3 == 0 {
				sw = 12 + r.IntN(300)
			}
			src := ktImage(r, sw, sh, r.IntN(4))
			ow, oh := 1+r.IntN(40), 1+r.IntN(12)
			if k%4 == 0 {
				ow = 100 + r.IntN(300) // several chunks
			}
			ax, ay := scales[r.IntN(len(scales))], scales[r.IntN(len(scales))]
			m := [6]float64{ax, 0, (r.Float64()*1.4 - 0.2) * float64(sw), 0, ay, (r.Float64()*1.4 - 0.2) * float64(sh)}
			samples := 0
			if k%3 == 1 {
				samples = 1 + r.IntN(kernels.MaxSupersample)
			}
			checkWarp(t, src, oh, ow, m, samples, ktNorm(r, k%2 == 0), k%5)
		}
		// The detector's letterbox of a 640x480 photo.
		big := ktImage(r, 640, 480, 0)
		checkWarp(t, big, 256, 256, [6]float64{2.5, 0, 0.75, 0, 2.5, -79.25}, 2, ktNorm(r, false), 0)
		checkWarp(t, big, 256, 256, [6]float64{-2.5, 0, 639.25, 0, 1.875, 0.4375}, 0, ktNorm(r, true), 3)
	})
}

func TestSupersample(t *testing.T) {
	for _, tc := range []struct {
		m    [6]float64
		want int
	}{
		{[6]float64{1, 0, 0, 0, 1, 0}, 1},
		{[6]float64{0.5, 0, 3, 0, 0.5, 3}, 1},
		{ktSimilarity(0.7, 1, 0, 0, 5, 5), 1},
		{ktSimilarity(0.7, 1.01, 0, 0, 5, 5), 2},
		{[6]float64{3, 0, 0, 0, 1, 0}, 3},
		{[6]float64{1, 0, 0, 0, 100, 0}, kernels.MaxSupersample},
	} {
		if got := kernels.Supersample(tc.m); got != tc.want {
			t.Errorf("Supersample(%v) = %d, want %d", tc.m, got, tc.want)
		}
	}
}

// FuzzWarpAffine checks every level against the reference on images, maps
// and options read from the fuzzer's bytes; it must never panic on a valid
// image.
func FuzzWarpAffine(f *testing.F) {
	f.Add(uint8(20), uint8(15), uint8(9), uint8(7), 0.3, 1.5, 0.0, uint8(0), uint64(1))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(1), 0.0, 1.0, 0.0, uint8(1), uint64(2))
	f.Add(uint8(40), uint8(3), uint8(16), uint8(5), 2.0, 7.9, 0.5, uint8(2), uint64(3))
	f.Add(uint8(9), uint8(9), uint8(4), uint8(4), -1.0, 0.25, 3.0, uint8(0x13), uint64(4))
	f.Add(uint8(47), uint8(30), uint8(23), uint8(11), 2.5, 2.0, 1.0, uint8(0x0c), uint64(5))
	f.Add(uint8(30), uint8(8), uint8(20), uint8(9), -0.4, -1.5, -4.0, uint8(0x1b), uint64(6))
	f.Fuzz(func(t *testing.T, sw, sh, ow, oh uint8, angle, scale, shift float64, flags uint8, seed uint64) {
		if math.IsNaN(angle) || math.IsInf(angle, 0) || math.IsNaN(scale) || math.IsNaN(shift) ||
			math.Abs(scale) > 20 || math.Abs(shift) > 100 || math.Abs(angle) > 100 {
			t.Skip()
		}
		r := rand.New(rand.NewPCG(seed, 15))
		src := ktImage(r, int(sw%48)+1, int(sh%48)+1, int(flags>>4))
		w, h := int(ow%24)+1, int(oh%24)+1
		m := ktSimilarity(angle, scale, float64(w)/2, float64(h)/2, float64(src.Width)/2+shift, float64(src.Height)/2-shift)
		if flags&8 != 0 { // axis-aligned: the separable path
			m[1], m[3], m[4] = 0, 0, angle
		}
		samples := int(flags>>1) & 3
		prev := asm.ISA()
		defer asm.SetISA(prev)
		for _, l := range asm.Levels() {
			if _, err := asm.SetISA(l); err != nil {
				t.Fatal(err)
			}
			checkWarp(t, src, h, w, m, samples, ktNorm(r, flags&1 == 1), int(seed%8))
		}
	})
}

// BenchmarkWarpAffine warps the product's chips: dlib's 150x150 from a face
// about 300 px wide (supersampling 2) and faceres' 224x224 rotated crop from
// a face about 700 px wide (supersampling 4); and the detector's inputs: the
// full pass's 256x256 letterbox of a 640x480 photo (axis-aligned, scale
// 2.5, supersampling 2) and a refine pass's turned square (scale 1.5, 2).
func BenchmarkWarpAffine(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	src := ktImage(r, 1600, 1200, 0)
	n := kernels.NewPixelNorm([3]float32{122.782, 117.001, 104.298}, [3]float32{255, 255, 255}, false)
	var cases []func(b *testing.B)
	photo := ktImage(r, 640, 480, 0)
	for _, tc := range []struct {
		name    string
		size    int
		scale   float64
		angle   float64
		samples int
		src     kernels.RGB
	}{
		{"dlib-150-s2", 150, 2, 0.3, 0, src}, {"faceres-224-s4", 224, 3.2, 0.3, 0, src}, {"faceres-224-s1", 224, 0.9, 0.3, 0, src},
		{"det-640x480-256-s2", 256, 2.5, 0, 2, photo}, {"det-refine-256-s2", 256, 1.5, 0.05, 2, photo},
	} {
		m := ktSimilarity(tc.angle, tc.scale, float64(tc.size)/2, float64(tc.size)/2, float64(tc.src.Width)/2, float64(tc.src.Height)/2)
		out := make([]float32, tc.size*tc.size*3)
		s := kernels.Supersample(m)
		if tc.samples > 0 {
			s = tc.samples
		}
		cases = append(cases, func(b *testing.B) {
			b.Run(tc.name, func(b *testing.B) {
				b.ReportAllocs()
				done := ktPerCPU(b)
				for b.Loop() {
					kernels.WarpAffine(out, tc.size, tc.size, tc.src, m, tc.samples, n)
				}
				work := float64(tc.size*tc.size*s*s) * float64(b.N) / 1e6
				done(work, "Msamples/cpu-s")
				b.ReportMetric(work/b.Elapsed().Seconds(), "Msamples/s")
			})
		})
	}
	isatest.ForEachB(b, func(b *testing.B) {
		for _, c := range cases {
			c(b)
		}
	})
}

// TestWarpAffineDegenerate: NaN, infinite or huge maps sample nothing
// inside the image, so every output is the normalisation's bias.
func TestWarpAffineDegenerate(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		src := ktImage(rand.New(rand.NewPCG(41, 42)), 7, 5, 1)
		n := kernels.PixelNorm{Scale: [3]float32{1, 1, 1}, Bias: [3]float32{-1, -2, -3}}
		nan, inf := math.NaN(), math.Inf(1)
		for _, m := range [][6]float64{
			{nan, 0, 0, 0, 1, 0}, {1, 0, inf, 0, 1, 0}, {inf, 0, 0, 0, inf, 0},
			{1, 0, 1e30, 0, 1, 0}, {0, 0, -50, 0, 0, 3}, {0, 0, 3, 0, 0, 1e9},
		} {
			for _, samples := range []int{0, 1, 3} {
				out, guard := ktGuarded(6*9*3, 2)
				kernels.WarpAffine(out, 6, 9, src, m, samples, n)
				guard(t)
				for i, v := range out {
					if v != n.Bias[i%3] {
						t.Fatalf("m=%v samples=%d: out[%d] = %v, want %v", m, samples, i, v, n.Bias[i%3])
					}
				}
			}
		}
	})
}
