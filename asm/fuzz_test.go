package asm_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// floats decodes data as little-endian float32 values into a fresh buffer at
// element offset off%16, so that fuzzing also varies alignment.
func floats(data []byte, off uint8) []float32 {
	n := len(data) / 4
	buf := make([]float32, int(off%16)+n)
	s := buf[off%16:]
	for i := range s {
		s[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return s
}

func hasNaN(s ...[]float32) bool {
	for _, v := range s {
		for _, x := range v {
			if x != x {
				return true
			}
		}
	}
	return false
}

// checkSum checks one level's sum against the float64 reference: exact-ish
// when no partial sum can overflow, NaN when an input is NaN.
func checkSum(t *testing.T, l asm.Level, what string, got float32, want, mag float64, n int, nan bool) {
	t.Helper()
	switch {
	case nan:
		if !math.IsNaN(float64(got)) {
			t.Fatalf("%v: %s = %v with a NaN input", l, what, got)
		}
	case mag < math.MaxFloat32/2 && !within(got, want, mag, n):
		t.Fatalf("%v: %s = %v, want %v (mag %v, n %d)", l, what, got, want, mag, n)
	}
}

func addSeeds(f *testing.F) {
	for _, n := range []int{0, 1, 7, 16, 33, 64, 65, 130} {
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(i%7) - 3.5
		}
		f.Add(isatest.SeedBytes(vals...), uint8(n))
	}
	f.Add(isatest.SeedBytes(float32(math.NaN()), 1, 2, 3), uint8(1))
	f.Add(isatest.SeedBytes(float32(math.Inf(1)), float32(math.Inf(-1)), 1, 1), uint8(2))
	f.Add(isatest.SeedBytes(math.MaxFloat32, math.MaxFloat32, 2, 2), uint8(3))
}

func FuzzDot(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		v := floats(data, off)
		x, y := v[:len(v)/2], v[len(v)/2:]
		want, mag := isatest.Dot64(x, y[:len(x)])
		isatest.AtEachLevel(t, func(l asm.Level) {
			checkSum(t, l, "Dot", asm.Dot(x, y), want, mag, len(x), hasNaN(x, y[:len(x)]))
		})
	})
}

func FuzzSumSquares(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		x := floats(data, off)
		want, mag := isatest.Dot64(x, x)
		isatest.AtEachLevel(t, func(l asm.Level) {
			checkSum(t, l, "SumSquares", asm.SumSquares(x), want, mag, len(x), hasNaN(x))
		})
	})
}

func FuzzAxpy(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		v := floats(data, off)
		if len(v) == 0 {
			return
		}
		a, v := v[0], v[1:]
		x, y0 := v[:len(v)/2], v[len(v)/2:]
		isatest.AtEachLevel(t, func(l asm.Level) {
			y := append([]float32(nil), y0...)
			asm.Axpy(a, x, y)
			for i := range y {
				if i >= len(x) {
					if math.Float32bits(y[i]) != math.Float32bits(y0[i]) {
						t.Fatalf("%v: Axpy wrote y[%d] beyond len(x)", l, i)
					}
				} else if !axpyOK(y[i], a, x[i], y0[i]) {
					t.Fatalf("%v: Axpy y[%d] = %v, want %v + %v*%v", l, i, y[i], y0[i], a, x[i])
				}
			}
		})
	})
}

func FuzzScale(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		v := floats(data, off)
		if len(v) == 0 {
			return
		}
		a, x0 := v[0], v[1:]
		isatest.AtEachLevel(t, func(l asm.Level) {
			x := append([]float32(nil), x0...)
			asm.Scale(a, x)
			for i := range x {
				if w := scaleWant(a, x0[i]); !sameFloat(x[i], w) {
					t.Fatalf("%v: Scale x[%d] = %v, want %v", l, i, x[i], w)
				}
			}
		})
	})
}

// batchShape splits v into a query of dim d (from off) and as many full rows
// as follow it.
func batchShape(v []float32, off uint8) (q, m []float32, rows int) {
	d := int(off>>4) + 1
	if len(v) < d {
		return v, nil, 0
	}
	q, m = v[:d], v[d:]
	return q, m, len(m) / d
}

func FuzzDotBatch(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		q, m, rows := batchShape(floats(data, off), off)
		isatest.AtEachLevel(t, func(l asm.Level) {
			out := make([]float32, rows)
			asm.DotBatch(q, m, out)
			for r := range out {
				row := m[r*len(q) : (r+1)*len(q)]
				want, mag := isatest.Dot64(q, row)
				checkSum(t, l, "DotBatch", out[r], want, mag, len(q), hasNaN(q, row))
			}
		})
	})
}

func FuzzCosineBatch(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		q, m, rows := batchShape(floats(data, off), off)
		isatest.AtEachLevel(t, func(l asm.Level) {
			out := make([]float32, rows)
			asm.CosineBatch(q, m, out)
			for r := range out {
				row := m[r*len(q) : (r+1)*len(q)]
				dot, mag := isatest.Dot64(q, row)
				checkSum(t, l, "CosineBatch", out[r], 1-dot, mag+1+math.Abs(1-dot), len(q)+1, hasNaN(q, row))
			}
		})
	})
}

func FuzzSquaredL2Batch(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		q, m, rows := batchShape(floats(data, off), off)
		isatest.AtEachLevel(t, func(l asm.Level) {
			out := make([]float32, rows)
			asm.SquaredL2Batch(q, m, out)
			for r := range out {
				row := m[r*len(q) : (r+1)*len(q)]
				want := isatest.SquaredL2_64(q, row)
				// Differences of huge values overflow float32 before squaring.
				nan := hasNaN(q, row)
				if !nan && isatest.MaxAbs(q, row) > 1e18 {
					continue
				}
				checkSum(t, l, "SquaredL2Batch", out[r], want, want, len(q)+2, nan)
			}
		})
	})
}

// FuzzWarpRows checks every level of WarpRows against generic on rows of
// the fuzzer's bytes.
func FuzzWarpRows(f *testing.F) {
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), uint8(20), uint8(3), uint8(7))
	f.Add(make([]byte, 200), uint8(64), uint8(1), uint8(1))
	f.Add(make([]byte, 500), uint8(33), uint8(2), uint8(110))
	f.Fuzz(func(t *testing.T, pix []byte, n, rows, stride uint8) {
		k := int(rows%16) + 1
		if (k-1)*int(stride)+3*int(n) > len(pix) {
			t.Skip()
		}
		w := make([]float32, k)
		for i := range w {
			w[i] = float32(int(pix[i%max(1, len(pix))])-64) / 37
		}
		checkWarpRows(t, pix, int(stride), w, int(n), int(stride%16))
	})
}

// FuzzWarpCols checks every level of WarpCols against generic with indices
// and weights from the fuzzer's bytes: random indices, or stepping by step
// eighths of a pixel from the first byte's.
func FuzzWarpCols(f *testing.F) {
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), uint8(20), uint8(4), uint8(0))
	f.Add(make([]byte, 100), uint8(33), uint8(1), uint8(20))
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), uint8(32), uint8(4), uint8(20))
	f.Fuzz(func(t *testing.T, data []byte, n, taps, step uint8) {
		k := int(taps%12) + 1
		if len(data) < k {
			t.Skip()
		}
		var v [3][]float32
		for ch := range v {
			v[ch] = make([]float32, len(data))
			for i, b := range data {
				v[ch][i] = float32(b) * float32(ch+1) / 2
			}
		}
		idx := make([]int32, int(n))
		w := make([]float32, k*int(n))
		lim := len(data) - k + 1
		for u := range idx {
			if step == 0 {
				idx[u] = int32(int(data[u%len(data)]) % lim)
			} else {
				idx[u] = int32((int(data[0]) + u*int(step)/8) % lim)
			}
		}
		for i := range w {
			w[i] = float32(data[(i*7)%len(data)]) / 255
		}
		checkWarpCols(t, v, idx, w, int(n), k, int(n%16))
	})
}

// FuzzWarpStore checks every level of WarpStore against generic on planes
// and a normalisation from the fuzzer's bytes.
func FuzzWarpStore(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		v := floats(data, off)
		if len(v) < 6 || hasNaN(v) {
			t.Skip()
		}
		n := (len(v) - 6) / 3
		for _, x := range v {
			if math.Abs(float64(x)) > 1e15 {
				t.Skip() // products within float32 range
			}
		}
		scale, bias := [3]float32{v[0], v[1], v[2]}, [3]float32{v[3], v[4], v[5]}
		checkWarpStore(t, [3][]float32{v[6 : 6+n], v[6+n : 6+2*n], v[6+2*n : 6+3*n]}, scale, bias, int(off%16))
	})
}
