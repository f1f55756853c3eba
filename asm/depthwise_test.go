package asm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// dwRowsRef is Depthwise3x3Rows' documented loop in float64: it returns the
// expected output by index (NaN-free inputs) and the magnitude sums.
func dwRowsRef(in, filter, bias []float32, c, inPix, stride, rows, m, inRow, outRow, n int, padL, padR bool, lo, hi float32) map[int][2]float64 {
	want := map[int][2]float64{}
	pix := func(i, o, x int, ks []int) {
		for ch := 0; ch < c; ch++ {
			var s, mag float64
			if len(bias) > 0 {
				s, mag = float64(bias[ch]), math.Abs(float64(bias[ch]))
			}
			for r := 0; r < rows; r++ {
				for t, k := range ks {
					p := float64(in[i*stride*inRow+r*inRow+x+t*inPix+ch]) * float64(filter[(3*r+k)*c+ch])
					s += p
					mag += math.Abs(p)
				}
			}
			s = math.Min(math.Max(s, float64(lo)), float64(hi))
			want[i*outRow+o*c+ch] = [2]float64{s, mag}
		}
	}
	for i := 0; i < m; i++ {
		x, o := 0, 0
		if padL {
			pix(i, 0, 0, []int{1, 2})
			x, o = (stride-1)*inPix, 1
		}
		for j := 0; j < n; j++ {
			pix(i, o+j, x+j*stride*inPix, []int{0, 1, 2})
		}
		if padR {
			pix(i, o+n, x+n*stride*inPix, []int{0, 1})
		}
	}
	return want
}

// dwRowsCase is one call of Depthwise3x3Rows.
type dwRowsCase struct {
	c, stride, rows, m, n int
	padL, padR            bool
	inPad, outPad, off    int // extra elements per input and output row; output offset
	pixPad                int // extra elements per input pixel
	bias, relu            bool
}

// check runs the case at the current level with inputs from fill and
// compares every output with dwRowsRef (skipping outputs whose products may
// overflow float32), checks that nothing else is written and the inputs
// are unchanged.
func (k dwRowsCase) check(t *testing.T, fill func([]float32)) {
	t.Helper()
	c, stride, rows, m, n := k.c, k.stride, k.rows, k.m, k.n
	pL, pR := 0, 0
	if k.padL {
		pL = 1
	}
	if k.padR {
		pR = 1
	}
	npix := pL + n + pR
	cols := (stride-1)*pL + (n+pR)*stride + 3
	inPix := c + k.pixPad
	inRow := cols*inPix + k.inPad
	outRow := npix*c + k.outPad
	in := make([]float32, (m*stride+rows)*inRow)
	fill(in)
	filter := make([]float32, 9*c)
	fill(filter)
	var bias []float32
	if k.bias {
		bias = make([]float32, c)
		fill(bias)
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if k.relu {
		lo, hi = 0, 0.5
	}
	out, guard := isatest.Guarded(m*outRow, k.off)
	for i := range out {
		out[i] = isatest.Sentinel
	}
	ro := []func(*testing.T, string){isatest.ReadOnly(in), isatest.ReadOnly(filter), isatest.ReadOnly(bias)}
	f := filter[3*(3-rows)*c:]
	asm.Depthwise3x3Rows(out, in, f, bias, c, inPix, stride, rows, m, inRow, outRow, n, k.padL, k.padR, lo, hi)
	guard(t)
	for i, name := range []string{"in", "filter", "bias"} {
		ro[i](t, name)
	}
	want := dwRowsRef(in, f, bias, c, inPix, stride, rows, m, inRow, outRow, n, k.padL, k.padR, lo, hi)
	for i, v := range out {
		w, ok := want[i]
		if !ok {
			if math.Float32bits(v) != math.Float32bits(isatest.Sentinel) {
				t.Fatalf("%+v: out[%d] (not an output) written: %v", k, i, v)
			}
			continue
		}
		if w[1] < math.MaxFloat32/16 && !within(v, w[0], w[1], 10) {
			t.Fatalf("%+v: out[%d] = %v, want %v", k, i, v, w[0])
		}
	}
}

// TestDepthwise3x3Rows covers both row kernels of each level: few channels
// (a vector of channels over all rows) and many (channels innermost, from
// 128 channels at x86 levels, 64 at stride 2 with AVX-512), every run
// length below two blocks and both borders, input pixels c apart or more
// (DepthwisePixelStride's padding).
func TestDepthwise3x3Rows(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for iter := 0; iter < 800; iter++ {
			c := 1 + rng.IntN(35)
			if iter%4 == 3 {
				c = 60 + rng.IntN(240)
			}
			k := dwRowsCase{
				c: c, stride: 1 + rng.IntN(2), rows: 1 + rng.IntN(3), m: 1 + rng.IntN(3), n: rng.IntN(20),
				padL: rng.IntN(2) == 0, padR: rng.IntN(2) == 0,
				inPad: rng.IntN(5), outPad: rng.IntN(5), off: rng.IntN(16),
				bias: rng.IntN(3) > 0, relu: rng.IntN(2) == 0,
			}
			if rng.IntN(3) == 0 {
				k.pixPad = []int{1, 5, 16}[rng.IntN(3)]
			}
			k.check(t, func(s []float32) { isatest.Fill(rng, s, 0) })
		}
	})
}

// FuzzDepthwise3x3Rows checks every level against the float64 reference
// on a shape drawn from geom and values (NaN, infinities and all) from
// data.
func FuzzDepthwise3x3Rows(f *testing.F) {
	vals := isatest.SeedBytes(1, -2, 0.5, 3, -0.25, 7, 0, -1)
	for _, g := range []uint32{0, 0x12345, 0xfff00, 0x7f3a1, 0x80f0f, 0xc12345, 0x4fff00} {
		for _, c := range []uint16{1, 17, 130, 517, 511} {
			f.Add(vals, c, g)
		}
	}
	f.Add(isatest.SeedBytes(float32(math.NaN()), 1, float32(math.Inf(1)), 2), uint16(140), uint32(0x2b7))
	f.Fuzz(func(t *testing.T, data []byte, c uint16, geom uint32) {
		v := floats(data, 0)
		if len(v) == 0 {
			v = []float32{1}
		}
		g := uint(geom)
		k := dwRowsCase{
			c: 1 + int(c%600), stride: 1 + int(g&1), rows: 1 + int(g>>1&3)%3, m: 1 + int(g>>3&3),
			n: int(g >> 5 & 31), padL: g>>10&1 != 0, padR: g>>11&1 != 0,
			inPad: int(g >> 12 & 3), outPad: int(g >> 14 & 3), off: int(g >> 16 & 15),
			bias: g>>20&1 != 0, relu: g>>21&1 != 0, pixPad: []int{0, 0, 3, 16}[g>>22&3],
		}
		isatest.AtEachLevel(t, func(l asm.Level) {
			k.check(t, func(s []float32) {
				for i := range s {
					s[i] = v[i%len(v)]
				}
			})
		})
	})
}

func TestPoolRows(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for iter := 0; iter < 400; iter++ {
			c, n := 1+rng.IntN(40), 1+rng.IntN(9)
			cols, stride, rows := 1+rng.IntN(3), 1+rng.IntN(3), 1+rng.IntN(3)
			rowStride := ((n-1)*stride+cols)*c + rng.IntN(4)
			in := make([]float32, (rows-1)*rowStride+((n-1)*stride+cols)*c)
			isatest.Fill(rng, in, 0)
			if rng.IntN(4) == 0 {
				in[rng.IntN(len(in))] = float32(math.NaN())
			}
			avg := rng.IntN(2) == 0
			scale := 1 / float32(rows*cols)
			out, guard := isatest.Guarded(n*c, rng.IntN(16))
			if avg {
				asm.AvgPoolRow(out, in, c, n, cols, stride, rows, rowStride, scale)
			} else {
				asm.MaxPoolRow(out, in, c, n, cols, stride, rows, rowStride)
			}
			guard(t)
			for j := 0; j < n; j++ {
				for ch := 0; ch < c; ch++ {
					s, mag := 0.0, 0.0
					if !avg {
						s = math.Inf(-1)
					}
					nan := false
					for r := 0; r < rows; r++ {
						for k := 0; k < cols; k++ {
							v := float64(in[r*rowStride+(j*stride+k)*c+ch])
							nan = nan || math.IsNaN(v)
							if avg {
								s += v
								mag += math.Abs(v)
							} else {
								s = math.Max(s, v)
							}
						}
					}
					if nan {
						s = math.NaN()
					}
					got := out[j*c+ch]
					if avg {
						s *= float64(scale)
						mag *= float64(scale)
					}
					if !within(got, s, mag, rows*cols) {
						t.Fatalf("iter %d avg=%v c=%d n=%d win=%dx%d s=%d: out[%d,%d] = %v, want %v", iter, avg, c, n, rows, cols, stride, j, ch, got, s)
					}
				}
			}
		}
	})
}

func TestWarpSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for iter := 0; iter < 300; iter++ {
		w, h := 1+rng.IntN(30), 1+rng.IntN(30)
		stride := 3*w + rng.IntN(4)
		pix := make([]byte, (h-1)*stride+3*w)
		for i := range pix {
			pix[i] = byte(rng.UintN(256))
		}
		n, s := 1+rng.IntN(40), 1+rng.IntN(4)
		var geom [8]float32
		for i := range geom {
			geom[i] = float32(rng.Float64()*4 - 2)
		}
		geom[0] += float32(rng.IntN(w + 4))
		geom[1] += float32(rng.IntN(h + 4))
		var want [3][]float32
		for i := range want {
			want[i] = make([]float32, n)
		}
		prev := asm.ISA()
		if _, err := asm.SetISA(asm.Generic); err != nil {
			t.Fatal(err)
		}
		asm.WarpSums(want[0], want[1], want[2], pix, w, h, stride, s, &geom)
		for _, l := range asm.Levels() {
			if _, err := asm.SetISA(l); err != nil {
				t.Fatal(err)
			}
			var got [3][]float32
			var guards [3]func(t *testing.T)
			for i := range got {
				got[i], guards[i] = isatest.Guarded(n, rng.IntN(16))
			}
			asm.WarpSums(got[0], got[1], got[2], pix, w, h, stride, s, &geom)
			// The float32 coordinates may round differently with FMA: each
			// is a sum of at most four products, off by a few units in the
			// last place of the largest magnitude met (cmax); allow the
			// steepest gradient (255 per pixel along each axis) times
			// 8 ulps of it, per sample. (Seen over 3000 iterations: at
			// most 1.8e-6 of 255 s^2, the bound's ratio 1e-4 or so.)
			cmax := max(math.Abs(float64(geom[0])), math.Abs(float64(geom[1])))
			for k := 2; k < 8; k++ {
				cmax += float64(n+s) * math.Abs(float64(geom[k]))
			}
			tol := 255 * float64(s*s) * 2 * 8 * 0x1p-24 * max(cmax, 1)
			for i := range got {
				guards[i](t)
				for u := range got[i] {
					if math.Abs(float64(got[i][u]-want[i][u])) > tol {
						t.Fatalf("%v iter %d %dx%d n=%d s=%d geom=%v: channel %d pixel %d = %v, generic %v", l, iter, w, h, n, s, geom, i, u, got[i][u], want[i][u])
					}
				}
			}
		}
		asm.SetISA(prev)
	}
}

// TestWarpSumsOutside checks that samples far outside the image, at
// infinite or NaN positions, read zero at every level (and fault nowhere).
func TestWarpSumsOutside(t *testing.T) {
	pix := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, geom := range [][8]float32{
		{1e30, 0, 1, 0, 0, 0, 0, 0}, {-1e30, 5, 0, 1, 0, 0, 0, 0}, {0, 3e9, 1, 1, 0, 0, 0, 0},
		{inf, 0, 0, 0, 0, 0, 0, 0}, {0, -inf, 1, 0, 0, 0, 0, 0}, {nan, 0, 1, 0, 0, 0, 0, 0},
		{0, 0, nan, 0, 0, 0, 0, 0}, {-2, -2, -1, -1, 0, 0, 0, 0}, {2.0001, 0, 1, 0, 0, 0, 0, 0},
	} {
		isatest.AtEachLevel(t, func(l asm.Level) {
			var r, g, b [37]float32
			asm.WarpSums(r[:], g[:], b[:], pix, 2, 2, 6, 2, &geom)
			for i := range r {
				if r[i] != 0 || g[i] != 0 || b[i] != 0 {
					t.Fatalf("%v geom %v: pixel %d = %v %v %v, want 0", l, geom, i, r[i], g[i], b[i])
				}
			}
		})
	}
}
