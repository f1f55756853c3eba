package asm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// checkWarpRows runs WarpRows at every level against the generic reference
// on n outputs from rows rows of pix (stride bytes apart) with weights w.
func checkWarpRows(t *testing.T, pix []byte, stride int, w []float32, n, off int) {
	t.Helper()
	want := make([]float32, n)
	withLevel(t, asm.Generic, func() { asm.WarpRows(want, pix, stride, w) })
	isatest.AtEachLevel(t, func(l asm.Level) {
		got, guard := isatest.Guarded(n, off)
		asm.WarpRows(got, pix, stride, w)
		guard(t)
		for i := range got {
			var mag float64
			for r, wr := range w {
				mag += math.Abs(float64(wr)) * float64(pix[r*stride+i])
			}
			if math.Abs(float64(got[i]-want[i])) > 4*0x1p-24*float64(len(w))*mag {
				t.Fatalf("%v n=%d rows=%d stride=%d: dst[%d] = %v, generic %v", l, n, len(w), stride, i, got[i], want[i])
			}
		}
	})
}

// checkWarpCols runs WarpCols at every level against the generic reference.
func checkWarpCols(t *testing.T, v []float32, idx []int32, w []float32, ws, k, off int) {
	t.Helper()
	n := len(idx)
	var want [3][]float32
	for i := range want {
		want[i] = make([]float32, n)
	}
	withLevel(t, asm.Generic, func() { asm.WarpCols(want[0], want[1], want[2], v, idx, w, ws, k) })
	isatest.AtEachLevel(t, func(l asm.Level) {
		var got [3][]float32
		var guards [3]func(t *testing.T)
		for i := range got {
			got[i], guards[i] = isatest.Guarded(n, off+i)
		}
		asm.WarpCols(got[0], got[1], got[2], v, idx, w, ws, k)
		for ch := range got {
			guards[ch](t)
			for u := range got[ch] {
				var mag float64
				for tp := range k {
					mag += math.Abs(float64(w[tp*ws+u]) * float64(v[int(idx[u])+3*tp+ch]))
				}
				if math.Abs(float64(got[ch][u]-want[ch][u])) > 4*0x1p-24*float64(k)*mag {
					t.Fatalf("%v n=%d k=%d: channel %d pixel %d = %v, generic %v", l, n, k, ch, u, got[ch][u], want[ch][u])
				}
			}
		}
	})
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
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 63, 64, 65, 80, 127, 128, 129, 200, 1920} {
		for _, rows := range []int{1, 2, 3, 4, 7, 16} {
			stride := n + r.IntN(9)
			pix := randPix(r, (rows-1)*stride+n+r.IntN(3))
			w := make([]float32, rows)
			for i := range w {
				w[i] = r.Float32()*2 - 0.5
			}
			checkWarpRows(t, pix, stride, w, n, r.IntN(16))
		}
	}
	// All rows at the same bytes (stride 0).
	checkWarpRows(t, randPix(r, 40), 0, []float32{0.25, 0.5, 0.25}, 33, 1)
}

func TestWarpCols(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, n := range []int{0, 1, 15, 16, 17, 32, 33, 100, 128} {
		for _, k := range []int{1, 2, 3, 4, 5, 9, 12} {
			v := make([]float32, 3*(n*3+k)+r.IntN(5))
			for i := range v {
				v[i] = float32(r.IntN(256*8)) / 8
			}
			idx := make([]int32, n)
			for u := range idx {
				idx[u] = int32(r.IntN(len(v) - 3*k + 1))
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

func TestWarpColsPanics(t *testing.T) {
	v := make([]float32, 12)
	r, g, b := make([]float32, 2), make([]float32, 2), make([]float32, 2)
	w := make([]float32, 4)
	for _, idx := range [][]int32{{0, 7}, {-1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("idx %v: no panic", idx)
				}
			}()
			asm.WarpCols(r, g, b, v, idx, w, 2, 2)
		}()
	}
}
