package asm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// checkWarpRows runs WarpRows at every level against the generic reference
// on n pixels from rows rows of pix (stride bytes apart) with weights w.
func checkWarpRows(t *testing.T, pix []byte, stride int, w []float32, n, off int) {
	t.Helper()
	var want [3][]float32
	for i := range want {
		want[i] = make([]float32, n)
	}
	withLevel(t, asm.Generic, func() { asm.WarpRows(want[0], want[1], want[2], pix, stride, w) })
	isatest.AtEachLevel(t, func(l asm.Level) {
		var got [3][]float32
		var guards [3]func(t *testing.T)
		for i := range got {
			got[i], guards[i] = isatest.Guarded(n, off+i)
		}
		asm.WarpRows(got[0], got[1], got[2], pix, stride, w)
		for ch := range got {
			guards[ch](t)
			for i := range got[ch] {
				var mag float64
				for r, wr := range w {
					mag += math.Abs(float64(wr)) * float64(pix[r*stride+3*i+ch])
				}
				if math.Abs(float64(got[ch][i]-want[ch][i])) > 4*0x1p-24*float64(len(w))*mag {
					t.Fatalf("%v n=%d rows=%d stride=%d: channel %d pixel %d = %v, generic %v", l, n, len(w), stride, ch, i, got[ch][i], want[ch][i])
				}
			}
		}
	})
}

// checkWarpCols runs WarpCols at every level against the generic reference
// on the planes v.
func checkWarpCols(t *testing.T, v [3][]float32, idx []int32, w []float32, ws, k, off int) {
	t.Helper()
	n := len(idx)
	var want [3][]float32
	for i := range want {
		want[i] = make([]float32, n)
	}
	withLevel(t, asm.Generic, func() { asm.WarpCols(want[0], want[1], want[2], v[0], v[1], v[2], idx, w, ws, k) })
	isatest.AtEachLevel(t, func(l asm.Level) {
		var got [3][]float32
		var guards [3]func(t *testing.T)
		for i := range got {
			got[i], guards[i] = isatest.Guarded(n, off+i)
		}
		asm.WarpCols(got[0], got[1], got[2], v[0], v[1], v[2], idx, w, ws, k)
		for ch := range got {
			guards[ch](t)
			for u := range got[ch] {
				var mag float64
				for tp := range k {
					mag += math.Abs(float64(w[tp*ws+u]) * float64(v[ch][int(idx[u])+tp]))
				}
				if math.Abs(float64(got[ch][u]-want[ch][u])) > 4*0x1p-24*float64(k)*mag {
					t.Fatalf("%v n=%d k=%d idx=%v: channel %d pixel %d = %v, generic %v", l, n, k, idx, ch, u, got[ch][u], want[ch][u])
				}
			}
		}
	})
}

// planes returns three planes of n values, multiples of 1/8 below 256.
func planes(r *rand.Rand, n int) [3][]float32 {
	var v [3][]float32
	for ch := range v {
		v[ch] = make([]float32, n)
		for i := range v[ch] {
			v[ch][i] = float32(r.IntN(256*8)) / 8
		}
	}
	return v
}

// withLevel runs f at level l and restores the previous level.
func withLevel(t *testing.T, l asm.Level, f func()) {
	t.Helper()
	prev := asm.ISA()
	if _, err := asm.SetISA(l); err != nil {
		t.Fatal(err)
	}
	defer asm.SetISA(prev)
	f()
}

func randPix(r *rand.Rand, n int) []byte {
	pix := make([]byte, n)
	for i := range pix {
		pix[i] = byte(r.UintN(256))
	}
	return pix
}

func TestWarpRows(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 80, 127, 128, 129, 200, 640} {
		for _, rows := range []int{1, 2, 3, 4, 7, 16} {
			stride := 3*n + r.IntN(9)
			pix := randPix(r, (rows-1)*stride+3*n+r.IntN(3))
			w := make([]float32, rows)
			for i := range w {
				w[i] = r.Float32()*2 - 0.5
			}
			checkWarpRows(t, pix, stride, w, n, r.IntN(16))
		}
	}
	// All rows at the same bytes (stride 0).
	checkWarpRows(t, randPix(r, 120), 0, []float32{0.25, 0.5, 0.25}, 33, 1)
}

func TestWarpCols(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, n := range []int{0, 1, 15, 16, 17, 32, 33, 100, 128} {
		for _, k := range []int{1, 2, 3, 4, 5, 9, 12} {
			// Indices random, or stepping as a shrinking map's do (by
			// 0.3 to 4 pixels, up or down: windows of either kind).
			for _, step := range []float64{0, 0.3, 1, 2.5, 2.9, 3.2, 4, -2.5} {
				v := planes(r, int(math.Abs(step)*float64(n))+k+r.IntN(5)+5)
				idx := make([]int32, n)
				for u := range idx {
					if step == 0 {
						idx[u] = int32(r.IntN(len(v[0]) - k + 1))
						continue
					}
					x := math.Abs(step) * float64(u)
					if step < 0 {
						x = -step*float64(n-1) - x
					}
					idx[u] = int32(min(int(x)+r.IntN(2), len(v[0])-k))
				}
				ws := n + r.IntN(4)
				w := make([]float32, (k-1)*ws+n)
				for i := range w {
					w[i] = r.Float32()
				}
				checkWarpCols(t, v, idx, w, ws, k, r.IntN(16))
			}
		}
	}
}

func TestWarpColsPanics(t *testing.T) {
	v := make([]float32, 12)
	r, g, b := make([]float32, 2), make([]float32, 2), make([]float32, 2)
	w := make([]float32, 4)
	for _, idx := range [][]int32{{0, 11}, {-1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("idx %v: no panic", idx)
				}
			}()
			asm.WarpCols(r, g, b, v, v, v, idx, w, 2, 2)
		}()
	}
}

// checkWarpStore runs WarpStore at every level against the generic
// reference.
func checkWarpStore(t *testing.T, p [3][]float32, scale, bias [3]float32, off int) {
	t.Helper()
	n := len(p[0])
	want := make([]float32, 3*n)
	withLevel(t, asm.Generic, func() { asm.WarpStore(want, p[0], p[1], p[2], &scale, &bias) })
	isatest.AtEachLevel(t, func(l asm.Level) {
		got, guard := isatest.Guarded(3*n, off)
		asm.WarpStore(got, p[0], p[1], p[2], &scale, &bias)
		guard(t)
		for i := range got {
			c := i % 3
			mag := math.Abs(float64(p[c][i/3])*float64(scale[c])) + math.Abs(float64(bias[c]))
			if math.Abs(float64(got[i]-want[i])) > 2*0x1p-24*mag {
				t.Fatalf("%v n=%d: out[%d] = %v, generic %v", l, n, i, got[i], want[i])
			}
		}
	})
}

func TestWarpStore(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{0, 1, 5, 15, 16, 17, 31, 32, 33, 48, 100, 128} {
		p := planes(r, n)
		var scale, bias [3]float32
		for c := range 3 {
			scale[c], bias[c] = r.Float32()-0.3, r.Float32()*100-50
		}
		checkWarpStore(t, p, scale, bias, r.IntN(16))
	}
	// Scale 1 and bias 0 copy exactly: the identity warp relies on it.
	p := planes(r, 37)
	out := make([]float32, 3*37)
	isatest.AtEachLevel(t, func(l asm.Level) {
		asm.WarpStore(out, p[0], p[1], p[2], &[3]float32{1, 1, 1}, &[3]float32{})
		for i, v := range out {
			if v != p[i%3][i/3] {
				t.Fatalf("%v: out[%d] = %v, want %v", l, i, v, p[i%3][i/3])
			}
		}
	})
}
