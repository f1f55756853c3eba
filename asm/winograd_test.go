package asm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// The Winograd F(2x2, 3x3) transforms as matrices (asm/winograd.go).
var (
	winoBT = [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	winoAT = [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
)

// winoShapes are the channel counts (whole vectors at every level, whole
// NEON vectors only (4, 12, 20), a partial one, fewer than one) and tile
// counts the tests run.
var (
	winoChannels = []int{1, 3, 4, 8, 12, 16, 20, 24, 32, 40, 64}
	winoTiles    = []int{1, 2, 3, 4, 5, 9}
)

// checkWinogradInput runs WinogradInput on random tiles and compares every
// element of V with B^T d B in float64; it checks that nothing but V's
// elements is written and that in is unchanged.
func checkWinogradInput(t *testing.T, rng *rand.Rand, c, n, kind int) {
	t.Helper()
	ldi := (2*n+2)*c + rng.IntN(3)
	ldv := n*c + rng.IntN(3)
	in, gin := isatest.Guarded(3*ldi+(2*n+2)*c, rng.IntN(16))
	isatest.Fill(rng, in, kind)
	v, gv := isatest.Guarded(15*ldv+n*c, rng.IntN(16))
	for i := range v {
		v[i] = isatest.Sentinel
	}
	ro := isatest.ReadOnly(in)
	asm.WinogradInput(v, ldv, in, ldi, c, n)
	written := map[int]bool{}
	for j := range n {
		for ch := range c {
			for i := range 4 {
				for q := range 4 {
					var want, mag float64
					for r := range 4 {
						for s := range 4 {
							p := winoBT[i][r] * float64(in[r*ldi+(2*j+s)*c+ch]) * winoBT[q][s]
							want += p
							mag += math.Abs(p)
						}
					}
					idx := (4*i+q)*ldv + j*c + ch
					written[idx] = true
					got := v[idx]
					if kind == 1 && float64(got) != want || !within(got, want, mag, 4) {
						t.Fatalf("c=%d n=%d: V[%d][%d] of tile %d channel %d = %v, want %v", c, n, i, q, j, ch, got, want)
					}
				}
			}
		}
	}
	for i, x := range v {
		if !written[i] && math.Float32bits(x) != math.Float32bits(isatest.Sentinel) {
			t.Fatalf("c=%d n=%d: v[%d] (between matrices) written: %v", c, n, i, x)
		}
	}
	gin(t)
	gv(t)
	ro(t, "in")
}

func TestWinogradInput(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, c := range winoChannels {
			for _, n := range winoTiles {
				for kind := range 2 {
					checkWinogradInput(t, rng, c, n, kind)
				}
			}
		}
	})
}

// winoOutCase is one call of WinogradOutput.
type winoOutCase struct {
	c, cols, rows int
	res, inPlace  bool
	lo, hi        float32
}

// checkWinogradOutput runs the case on random sums and compares every
// output with A^T M A + bias (+ residual), clamped, in float64; it checks
// that only the named pixels are written and the inputs are unchanged.
func checkWinogradOutput(t *testing.T, rng *rand.Rand, k winoOutCase, kind int) {
	t.Helper()
	c, cols, rows := k.c, k.cols, k.rows
	n := (cols + 1) / 2
	ldm := n*c + rng.IntN(3)
	ldo := cols*c + rng.IntN(3)
	m, gm := isatest.Guarded(15*ldm+n*c, rng.IntN(16))
	isatest.Fill(rng, m, kind)
	bias, gb := isatest.Guarded(c, rng.IntN(16))
	isatest.Fill(rng, bias, kind)
	out, gout := isatest.Guarded((rows-1)*ldo+cols*c, rng.IntN(16))
	for i := range out {
		out[i] = isatest.Sentinel
	}
	var res []float32
	ldr := ldo
	gres := func(*testing.T) {}
	if k.inPlace {
		isatest.Fill(rng, out, kind)
		res = out
	} else if k.res {
		ldr = cols*c + rng.IntN(3)
		res, gres = isatest.Guarded((rows-1)*ldr+cols*c, rng.IntN(16))
		isatest.Fill(rng, res, kind)
	}
	res0 := append([]float32(nil), res...)
	out0 := append([]float32(nil), out...)
	rom, rob := isatest.ReadOnly(m), isatest.ReadOnly(bias)
	var ror func(*testing.T, string)
	if k.res && !k.inPlace {
		ror = isatest.ReadOnly(res)
	}
	asm.WinogradOutput(out, ldo, m, ldm, c, cols, rows, bias, res, ldr, k.lo, k.hi)
	written := map[int]bool{}
	for r := range rows {
		for x := range cols {
			j, tx := x/2, x%2
			for ch := range c {
				want, mag := float64(bias[ch]), math.Abs(float64(bias[ch]))
				for i := range 4 {
					for q := range 4 {
						p := winoAT[r][i] * float64(m[(4*i+q)*ldm+j*c+ch]) * winoAT[tx][q]
						want += p
						mag += math.Abs(p)
					}
				}
				if res != nil {
					rv := float64(res0[r*ldr+x*c+ch])
					want += rv
					mag += math.Abs(rv)
				}
				want = math.Min(math.Max(want, float64(k.lo)), float64(k.hi))
				idx := r*ldo + x*c + ch
				written[idx] = true
				got := out[idx]
				if kind == 1 && float64(got) != want || !within(got, want, mag, 11) {
					t.Fatalf("%+v: pixel (%d, %d) channel %d = %v, want %v", k, r, x, ch, got, want)
				}
			}
		}
	}
	for i, x := range out {
		if !written[i] && math.Float32bits(x) != math.Float32bits(out0[i]) {
			t.Fatalf("%+v: out[%d] (not an output pixel) written: %v", k, i, x)
		}
	}
	gm(t)
	gb(t)
	gout(t)
	gres(t)
	rom(t, "m")
	rob(t, "bias")
	if ror != nil {
		ror(t, "res")
	}
}

func TestWinogradOutput(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		inf := float32(math.Inf(1))
		for _, c := range winoChannels {
			for _, n := range winoTiles {
				for _, cols := range []int{2*n - 1, 2 * n} {
					for rows := 1; rows <= 2; rows++ {
						for _, k := range []winoOutCase{
							{lo: -inf, hi: inf},
							{res: true, lo: 0, hi: inf},
							{res: true, inPlace: true, lo: -inf, hi: inf},
							{lo: 0, hi: 6},
						} {
							k.c, k.cols, k.rows = c, cols, rows
							for kind := range 2 {
								checkWinogradOutput(t, rng, k, kind)
							}
						}
					}
				}
			}
		}
	})
}

// FuzzWinograd runs both transforms at every level on fuzzed values and
// shapes (c = 1 + shape%40, n = 1 + shape/40%4, cols odd or even, rows 1
// or 2, with a residual or not) and requires every level's results to equal
// the generic reference's, NaN for NaN. The seeds take special values, and
// values of unlike magnitudes whose sums round (so that an addition in
// another order than the reference's shows), on shapes whose channels are
// whole vectors at every level (8, 16, 24, 32, 40), at NEON only (4, 12,
// 20) and at none (1).
func FuzzWinograd(f *testing.F) {
	special := isatest.SeedBytes(1, -2, 3.5, float32(math.NaN()), float32(math.Inf(1)), 0.25)
	for _, s := range []uint16{15, 31, 63, 200, 1000, 2047, 3, 1179} {
		f.Add(special, s)
	}
	rounding := isatest.SeedBytes(0.1, -0.37, 0.0123, 1.2345678, -0.333, 0.71, 2.5, -0.999, 0.7071, 1.3, -0.042, 3.14159, -2.71828)
	// c=4 n=1 cols=2 rows=1; c=12 n=4 cols=8 rows=2 res; c=20 n=2 cols=3
	// rows=2 res; c=8 n=4 cols=8 rows=1 res; c=40 n=4 cols=7 rows=2.
	for _, s := range []uint16{3, 1091, 1179, 2047, 1919} {
		f.Add(rounding, s)
	}
	f.Fuzz(func(t *testing.T, data []byte, shape uint16) {
		c, n := 1+int(shape%40), 1+int(shape/40%4)
		cols, rows, hasRes := 2*n-int(shape/160%2), 1+int(shape/320%2), shape/640%2 == 1
		vals := floats(data, uint8(shape))
		if len(vals) == 0 {
			return
		}
		fill := func(s []float32, seed int) {
			for i := range s {
				s[i] = vals[(i+seed)%len(vals)]
			}
		}
		ldi, ldv := (2*n+2)*c, n*c
		in := make([]float32, 3*ldi+(2*n+2)*c)
		fill(in, 0)
		bias := make([]float32, c)
		fill(bias, 1)
		var res []float32
		if hasRes {
			res = make([]float32, (rows-1)*cols*c+cols*c)
			fill(res, 2)
		}
		run := func() (v, out []float32) {
			v = make([]float32, 16*ldv)
			asm.WinogradInput(v, ldv, in, ldi, c, n)
			out = make([]float32, (rows-1)*cols*c+cols*c)
			asm.WinogradOutput(out, cols*c, v, ldv, c, cols, rows, bias, res, cols*c, 0, 6)
			return v, out
		}
		var wantV, wantOut []float32
		isatest.AtEachLevel(t, func(l asm.Level) {
			v, out := run()
			if l == asm.Generic {
				wantV, wantOut = v, out
				return
			}
			for name, p := range map[string][2][]float32{"V": {v, wantV}, "out": {out, wantOut}} {
				for i := range p[0] {
					if g, w := p[0][i], p[1][i]; g != w && !(g != g && w != w) {
						t.Fatalf("%v: c=%d n=%d cols=%d rows=%d: %s[%d] = %v, generic %v", l, c, n, cols, rows, name, i, g, w)
					}
				}
			}
		})
	})
}
