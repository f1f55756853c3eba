package asm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// Test lengths: every n up to twice the widest unrolled block (4 x 16 lanes)
// plus one, then sparse larger ones.
func lengths() []int {
	var ns []int
	for n := 0; n <= 2*4*16+1; n++ {
		ns = append(ns, n)
	}
	return append(ns, 191, 255, 256, 257, 500, 511, 512, 513, 1000, 1023, 1024, 1025, 2047, 4095, 4096)
}

// Batch shapes: dims exhaustive up to 2x the AVX-512 width plus one, then
// the feature sizes the product uses; rows around the 4-row block.
func batchDims() []int {
	var ds []int
	for d := 0; d <= 33; d++ {
		ds = append(ds, d)
	}
	return append(ds, 47, 64, 127, 128, 129, 512, 1024, 1152)
}

var batchRows = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17}

const (
	u        = 0x1p-24  // float32 unit roundoff
	tinyUnit = 0x1p-148 // twice the smallest subnormal: products may underflow
)

// within reports whether got is within the worst-case error bound of a
// float32 sum of n terms, in any order and with or without FMA, of a sum
// whose exact value is want and whose terms' magnitudes add to mag.
func within(got float32, want, mag float64, n int) bool {
	if math.IsNaN(want) {
		return math.IsNaN(float64(got))
	}
	tol := float64(n+4)*u*mag + float64(n+1)*tinyUnit
	return math.Abs(float64(got)-want) <= tol
}

func TestDot(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range lengths() {
			for kind := range 2 {
				off := rng.IntN(16)
				x, gx := isatest.Guarded(n, off)
				y, gy := isatest.Guarded(n+rng.IntN(3), (off+rng.IntN(16))%16)
				isatest.Fill(rng, x, kind)
				isatest.Fill(rng, y, kind)
				rx, ry := isatest.ReadOnly(x), isatest.ReadOnly(y)
				got := asm.Dot(x, y)
				want, mag := isatest.Dot64(x, y[:n])
				if kind == 1 && float64(got) != want {
					t.Fatalf("n=%d integers: Dot = %v, want exactly %v", n, got, want)
				}
				if !within(got, want, mag, n) {
					t.Fatalf("n=%d off=%d: Dot = %v, want %v (mag %v)", n, off, got, want, mag)
				}
				gx(t)
				gy(t)
				rx(t, "x")
				ry(t, "y")

				got = asm.SumSquares(x)
				want, mag = isatest.Dot64(x, x)
				if kind == 1 && float64(got) != want {
					t.Fatalf("n=%d integers: SumSquares = %v, want exactly %v", n, got, want)
				}
				if !within(got, want, mag, n) {
					t.Fatalf("n=%d: SumSquares = %v, want %v", n, got, want)
				}
				gx(t)
				rx(t, "x")
			}
		}
	})
}

// TestBatchNaN puts a NaN in one row of a multi-row batch: that row's
// result, and only it, must be NaN, whichever block of rows it falls in.
func TestBatchNaN(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		for _, d := range []int{1, 5, 8, 17, 33, 128} {
			for _, rows := range []int{4, 7, 9} {
				for bad := range rows {
					q := make([]float32, d)
					m := make([]float32, rows*d)
					for i := range q {
						q[i] = 0.5
					}
					for i := range m {
						m[i] = 0.25
					}
					m[bad*d+(bad*7)%d] = float32(math.NaN())
					out := make([]float32, rows)
					for _, f := range []func(q, m, out []float32){asm.DotBatch, asm.SquaredL2Batch, asm.CosineBatch} {
						f(q, m, out)
						for r, v := range out {
							if isNaN := v != v; isNaN != (r == bad) {
								t.Fatalf("d=%d rows=%d NaN in row %d: out[%d] = %v", d, rows, bad, r, v)
							}
						}
					}
				}
			}
		}
	})
}

func TestDotNaN(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 9, 16, 17, 63, 64, 65, 200} {
			for _, at := range []int{0, n / 2, n - 1} {
				x := make([]float32, n)
				y := make([]float32, n)
				for i := range x {
					x[i], y[i] = 1, 1
				}
				x[at] = float32(math.NaN())
				if v := asm.Dot(x, y); !math.IsNaN(float64(v)) {
					t.Fatalf("n=%d NaN at %d: Dot = %v", n, at, v)
				}
				if v := asm.SumSquares(x); !math.IsNaN(float64(v)) {
					t.Fatalf("n=%d NaN at %d: SumSquares = %v", n, at, v)
				}
				out := []float32{0}
				asm.DotBatch(x, y, out)
				if !math.IsNaN(float64(out[0])) {
					t.Fatalf("n=%d NaN at %d: DotBatch = %v", n, at, out[0])
				}
				asm.SquaredL2Batch(y, x, out)
				if !math.IsNaN(float64(out[0])) {
					t.Fatalf("n=%d NaN at %d: SquaredL2Batch = %v", n, at, out[0])
				}
			}
		}
	})
}

// axpyOK reports whether got is a correctly rounded or fused y + a*x.
func axpyOK(got, a, x, y float32) bool {
	exact := float64(y) + float64(a)*float64(x)
	if math.IsNaN(exact) {
		return math.IsNaN(float64(got))
	}
	if math.Abs(exact) >= math.MaxFloat32 {
		return true // overflow: both Inf and MaxFloat32 are defensible roundings
	}
	tol := 2*u*(math.Abs(float64(y))+math.Abs(float64(a)*float64(x))) + tinyUnit
	return math.Abs(float64(got)-exact) <= tol
}

// scaleWant is the correctly rounded a*x: the float64 product of two float32
// values is exact, so one conversion rounds it once.
func scaleWant(a, x float32) float32 { return float32(float64(a) * float64(x)) }

func sameFloat(a, b float32) bool {
	return a == b || (a != a && b != b)
}

func TestAxpyScale(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, n := range lengths() {
			for _, a := range []float32{0, 1, -0.5, 3.25, rng.Float32()} {
				off := rng.IntN(16)
				x, gx := isatest.Guarded(n, off)
				y, gy := isatest.Guarded(n+rng.IntN(3), rng.IntN(16))
				isatest.Fill(rng, x, 0)
				isatest.Fill(rng, y, 0)
				y0 := append([]float32(nil), y...)
				rx := isatest.ReadOnly(x)
				asm.Axpy(a, x, y)
				for i := range y {
					if i >= n {
						if math.Float32bits(y[i]) != math.Float32bits(y0[i]) {
							t.Fatalf("n=%d: Axpy wrote y[%d] beyond len(x)", n, i)
						}
						continue
					}
					if !axpyOK(y[i], a, x[i], y0[i]) {
						t.Fatalf("n=%d a=%v: y[%d] = %v, want %v + %v*%v", n, a, i, y[i], y0[i], a, x[i])
					}
				}
				gx(t)
				gy(t)
				rx(t, "x")

				x0 := append([]float32(nil), x...)
				asm.Scale(a, x)
				for i := range x {
					if w := scaleWant(a, x0[i]); !sameFloat(x[i], w) {
						t.Fatalf("n=%d a=%v: Scale x[%d] = %v, want %v", n, a, i, x[i], w)
					}
				}
				gx(t)
			}
		}
	})
}

func TestBatch(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, d := range batchDims() {
			for _, r := range batchRows {
				for kind := range 2 {
					q, gq := isatest.Guarded(d, rng.IntN(16))
					m, gm := isatest.Guarded(r*d+rng.IntN(3), rng.IntN(16))
					out, gout := isatest.Guarded(r, rng.IntN(16))
					isatest.Fill(rng, q, kind)
					isatest.Fill(rng, m, kind)
					rq, rm := isatest.ReadOnly(q), isatest.ReadOnly(m)
					name := fmt.Sprintf("d=%d r=%d kind=%d", d, r, kind)

					asm.DotBatch(q, m, out)
					for i := range out {
						want, mag := isatest.Dot64(q, m[i*d:(i+1)*d])
						if (kind == 1 && float64(out[i]) != want) || !within(out[i], want, mag, d) {
							t.Fatalf("%s: DotBatch out[%d] = %v, want %v", name, i, out[i], want)
						}
					}
					gq(t)
					gm(t)
					gout(t)

					asm.SquaredL2Batch(q, m, out)
					for i := range out {
						want := isatest.SquaredL2_64(q, m[i*d:(i+1)*d])
						if (kind == 1 && float64(out[i]) != want) || !within(out[i], want, want, d+2) {
							t.Fatalf("%s: SquaredL2Batch out[%d] = %v, want %v", name, i, out[i], want)
						}
					}
					gq(t)
					gm(t)
					gout(t)

					asm.CosineBatch(q, m, out)
					for i := range out {
						dot, mag := isatest.Dot64(q, m[i*d:(i+1)*d])
						want := 1 - dot
						if (kind == 1 && float64(out[i]) != want) || !within(out[i], want, mag+1+math.Abs(want), d+1) {
							t.Fatalf("%s: CosineBatch out[%d] = %v, want %v", name, i, out[i], want)
						}
					}
					gq(t)
					gm(t)
					gout(t)
					rq(t, "q")
					rm(t, "m")
				}
			}
		}
	})
}

func TestPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Dot":            func() { asm.Dot(make([]float32, 3), make([]float32, 2)) },
		"Axpy":           func() { asm.Axpy(1, make([]float32, 3), make([]float32, 2)) },
		"DotBatch":       func() { asm.DotBatch(make([]float32, 4), make([]float32, 7), make([]float32, 2)) },
		"SquaredL2Batch": func() { asm.SquaredL2Batch(make([]float32, 4), make([]float32, 7), make([]float32, 2)) },
		"CosineBatch":    func() { asm.CosineBatch(make([]float32, 4), make([]float32, 7), make([]float32, 2)) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 5 || s[:5] != "asm: " {
					t.Fatalf("panic = %v, want an asm: message", r)
				}
			}()
			f()
		})
	}
}

func TestSetISA(t *testing.T) {
	levels := asm.Levels()
	if levels[0] != asm.Generic {
		t.Fatalf("Levels()[0] = %v, want generic", levels[0])
	}
	if asm.ISA() != levels[len(levels)-1] {
		t.Fatalf("ISA() = %v, want the best level %v", asm.ISA(), levels[len(levels)-1])
	}
	for _, l := range levels {
		prev, err := asm.SetISA(l)
		if err != nil {
			t.Fatal(err)
		}
		if asm.ISA() != l {
			t.Fatalf("after SetISA(%v), ISA() = %v", l, asm.ISA())
		}
		if _, err := asm.SetISA(prev); err != nil {
			t.Fatal(err)
		}
	}
	for l := asm.Generic; l <= asm.NEON; l++ {
		supported := false
		for _, s := range levels {
			supported = supported || s == l
		}
		if _, err := asm.SetISA(l); (err == nil) != supported {
			t.Fatalf("SetISA(%v) err = %v, supported = %v", l, err, supported)
		}
	}
	if _, err := asm.SetISA(levels[len(levels)-1]); err != nil {
		t.Fatal(err)
	}
}

func TestParseLevel(t *testing.T) {
	for l := asm.Generic; l <= asm.NEON; l++ {
		got, err := asm.ParseLevel(" " + l.String() + " ")
		if err != nil || got != l {
			t.Fatalf("ParseLevel(%q) = %v, %v", l.String(), got, err)
		}
	}
	if _, err := asm.ParseLevel("AVX2"); err != nil {
		t.Fatal(err)
	}
	if _, err := asm.ParseLevel("sse"); err == nil {
		t.Fatal("ParseLevel(sse) succeeded")
	}
}
