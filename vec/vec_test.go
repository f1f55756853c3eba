package vec_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/vec"
)

func TestDot(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range dims() {
			for kind := range 2 {
				x, gx := isatest.Guarded(n, rng.IntN(16))
				y, gy := isatest.Guarded(n, rng.IntN(16))
				isatest.Fill(rng, x, kind)
				isatest.Fill(rng, y, kind)
				rx, ry := isatest.ReadOnly(x), isatest.ReadOnly(y)
				got := vec.Dot(x, y)
				want, mag := isatest.Dot64(x, y)
				if kind == 1 && float64(got) != want {
					t.Fatalf("n=%d integers: Dot = %v, want exactly %v", n, got, want)
				}
				if !near(got, want, sumTol(mag, n)) {
					t.Fatalf("n=%d: Dot = %v, want %v (mag %v)", n, got, want, mag)
				}
				gx(t)
				gy(t)
				rx(t, "x")
				ry(t, "y")
			}
		}
	})
}

// scaled returns random vectors of length n scaled by s, including scales
// whose squares overflow or underflow float32.
func scaledCases(rng *rand.Rand, n int) [][]float32 {
	var cs [][]float32
	for _, s := range []float32{1, 1e-30, 1e-42, 1e25, 3e38} {
		x := make([]float32, n)
		isatest.Fill(rng, x, 0)
		for i := range x {
			x[i] *= s
		}
		cs = append(cs, x)
	}
	if n > 0 {
		one := make([]float32, n) // a single non-zero element
		one[rng.IntN(n)] = -7
		cs = append(cs, one, make([]float32, n))
	}
	return cs
}

func TestNormNormalize(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, n := range dims() {
			for ci, x0 := range scaledCases(rng, n) {
				name := fmt.Sprintf("n=%d case %d", n, ci)
				want := norm64(x0)
				tol := float64(n+8)*u*want + tinyUnit // the result may be subnormal
				if w32 := float32(want); math.IsInf(float64(w32), 0) {
					want, tol = math.Inf(1), 0 // the norm leaves the float32 range
				}
				x, gx := isatest.Guarded(n, rng.IntN(16))
				copy(x, x0)
				rx := isatest.ReadOnly(x)
				if got := vec.Norm(x); !near(got, want, tol) {
					t.Fatalf("%s: Norm = %v, want %v", name, got, want)
				}
				rx(t, "x")

				old := vec.Normalize(x)
				if !near(old, want, tol) {
					t.Fatalf("%s: Normalize returned %v, want %v", name, old, want)
				}
				gx(t)
				n64 := norm64(x0)
				for i := range x {
					if n64 == 0 {
						if x[i] != 0 {
							t.Fatalf("%s: zero vector changed at %d: %v", name, i, x[i])
						}
						continue
					}
					w := float64(x0[i]) / n64
					if !near(x[i], w, float64(n+8)*u*math.Abs(w)+tinyUnit) {
						t.Fatalf("%s: Normalize x[%d] = %v, want %v", name, i, x[i], w)
					}
				}
				if n64 != 0 {
					if got := norm64(x); math.Abs(got-1) > float64(2*n+16)*u {
						t.Fatalf("%s: norm after Normalize = %v", name, got)
					}
				}
			}
		}
	})
}

func TestNormalizeNonFinite(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		for _, bad := range []float32{nan32, float32(math.Inf(1)), float32(math.Inf(-1))} {
			for _, n := range []int{1, 5, 64, 129} {
				for _, at := range []int{0, n / 2, n - 1} {
					x := make([]float32, n)
					for i := range x {
						x[i] = 0.5
					}
					x[at] = bad
					wantNorm := math.Inf(1)
					if bad != bad {
						wantNorm = math.NaN()
					}
					if got := vec.Norm(x); !near(got, wantNorm, 0) {
						t.Fatalf("%v at %d of %d: Norm = %v", bad, at, n, got)
					}
					if got := vec.Normalize(x); !near(got, wantNorm, 0) {
						t.Fatalf("%v at %d of %d: Normalize = %v", bad, at, n, got)
					}
					for i, v := range x {
						if v == v {
							t.Fatalf("%v at %d of %d: Normalize left x[%d] = %v, want NaN", bad, at, n, i, v)
						}
					}
				}
			}
		}
		if got := vec.Normalize(nil); got != 0 {
			t.Fatalf("Normalize(nil) = %v", got)
		}
	})
}

func TestCosineDistance(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range dims() {
			xs := scaledCases(rng, n)
			ys := scaledCases(rng, n)
			for i, x := range xs {
				for j, y := range ys {
					rx, ry := isatest.ReadOnly(x), isatest.ReadOnly(y)
					check := func(what string, x, y []float32) {
						t.Helper()
						got := vec.CosineDistance(x, y)
						want, tol := cosineRef(x, y)
						if !near(got, want, tol) {
							t.Fatalf("n=%d x%d y%d %s: CosineDistance = %v, want %v (tol %v)", n, i, j, what, got, want, tol)
						}
						if got < 0 || got > 2 {
							t.Fatalf("n=%d %s: CosineDistance = %v outside [0, 2]", n, what, got)
						}
					}
					check("", x, y)
					check("same", x, x)
					neg := make([]float32, n)
					for k := range x {
						neg[k] = -x[k]
					}
					check("opposite", x, neg)
					rx(t, "x")
					ry(t, "y")
				}
			}
		}
		zero := make([]float32, 8)
		one := []float32{1, 0, 0, 0, 0, 0, 0, 0}
		inf := []float32{0, 0, float32(math.Inf(-1)), 0, 0, 0, 0, 0}
		for _, c := range [][2][]float32{{inf, one}, {one, inf}, {inf, zero}, {inf, inf}} {
			if got := vec.CosineDistance(c[0], c[1]); got == got {
				t.Fatalf("CosineDistance(%v, %v) = %v, want NaN", c[0], c[1], got)
			}
		}
		for _, c := range [][2][]float32{{zero, one}, {one, zero}, {zero, zero}, {nil, nil}} {
			if got := vec.CosineDistance(c[0], c[1]); got != 1 {
				t.Fatalf("CosineDistance(%v, %v) = %v, want 1", c[0], c[1], got)
			}
		}
	})
}

func TestSquaredEuclidean(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, n := range dims() {
			for kind := range 2 {
				x, gx := isatest.Guarded(n, rng.IntN(16))
				y, gy := isatest.Guarded(n, rng.IntN(16))
				isatest.Fill(rng, x, kind)
				isatest.Fill(rng, y, kind)
				rx, ry := isatest.ReadOnly(x), isatest.ReadOnly(y)
				got := vec.SquaredEuclidean(x, y)
				want := isatest.SquaredL2_64(x, y)
				if kind == 1 && float64(got) != want {
					t.Fatalf("n=%d integers: SquaredEuclidean = %v, want exactly %v", n, got, want)
				}
				if !near(got, want, sumTol(want, n+2)) {
					t.Fatalf("n=%d: SquaredEuclidean = %v, want %v", n, got, want)
				}
				if got := vec.SquaredEuclidean(x, x); got != 0 {
					t.Fatalf("n=%d: SquaredEuclidean(x, x) = %v", n, got)
				}
				gx(t)
				gy(t)
				rx(t, "x")
				ry(t, "y")
			}
		}
	})
}

// TestNaN checks that a NaN anywhere in an input reaches the output.
func TestNaN(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 129, 1152} {
			for _, at := range []int{0, n / 2, n - 1} {
				x := make([]float32, n)
				y := make([]float32, n)
				for i := range x {
					x[i], y[i] = 0.25, -0.5
				}
				for _, swap := range []bool{false, true} {
					a, b := x, y
					if swap {
						a, b = y, x
					}
					a[at] = nan32
					isNaN := func(name string, v float32) {
						t.Helper()
						if v == v {
							t.Fatalf("n=%d NaN at %d swap=%v: %s = %v, want NaN", n, at, swap, name, v)
						}
					}
					isNaN("Dot", vec.Dot(a, b))
					isNaN("Norm", vec.Norm(a))
					isNaN("CosineDistance", vec.CosineDistance(a, b))
					isNaN("SquaredEuclidean", vec.SquaredEuclidean(a, b))
					a[at] = 0.25
					if swap {
						a[at] = -0.5
					}
				}
			}
		}
	})
}

func TestPanics(t *testing.T) {
	m := vec.NewMatrix(3, 4)
	out := make([]float32, 3)
	q := make([]float32, 4)
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"Dot", "Dot", func() { vec.Dot(make([]float32, 3), make([]float32, 4)) }},
		{"DotShortX", "Dot", func() { vec.Dot(make([]float32, 4), make([]float32, 3)) }},
		{"CosineDistance", "CosineDistance", func() { vec.CosineDistance(make([]float32, 2), nil) }},
		{"SquaredEuclidean", "SquaredEuclidean", func() { vec.SquaredEuclidean(nil, make([]float32, 1)) }},
		{"NewMatrixNegRows", "NewMatrix", func() { vec.NewMatrix(-1, 3) }},
		{"NewMatrixNegDim", "NewMatrix", func() { vec.NewMatrix(3, -1) }},
		{"NewMatrixOverflow", "NewMatrix", func() { vec.NewMatrix(math.MaxInt/2, 3) }},
		{"RowNeg", "Row", func() { m.Row(-1) }},
		{"RowPastEnd", "Row", func() { m.Row(3) }},
		{"RowInvalid", "invalid Matrix", func() { vec.Matrix{Rows: 2, Dim: 2, Data: make([]float32, 3)}.Row(0) }},
		{"DistancesQuery", "len(q)", func() { vec.Distances(q[:3], m, vec.Cosine, out) }},
		{"DistancesOut", "len(out)", func() { vec.Distances(q, m, vec.SquaredL2, out[:2]) }},
		{"DistancesLongOut", "len(out)", func() { vec.Distances(q, m, vec.Cosine, make([]float32, 4)) }},
		{"DistancesMetric", "Metric", func() { vec.Distances(q, m, vec.Metric(7), out) }},
		{"DistancesNegMetric", "Metric", func() { vec.Distances(q, m, vec.Metric(-1), out) }},
		{"DistancesShortData", "invalid Matrix", func() {
			vec.Distances(q, vec.Matrix{Rows: 3, Dim: 4, Data: make([]float32, 11)}, vec.Cosine, out)
		}},
		{"DistancesNegRows", "invalid Matrix", func() {
			vec.Distances(q, vec.Matrix{Rows: -1, Dim: 4}, vec.Cosine, nil)
		}},
		{"DistancesOverflow", "invalid Matrix", func() {
			vec.Distances(q, vec.Matrix{Rows: math.MaxInt/4 + 1, Dim: 4, Data: make([]float32, 16)}, vec.SquaredL2, out)
		}},
	} {
		t.Run(c.name, func(t *testing.T) { mustPanic(t, c.want, c.f) })
	}
}

func TestMatrix(t *testing.T) {
	m := vec.NewMatrix(3, 5)
	if m.Rows != 3 || m.Dim != 5 || len(m.Data) != 15 || !m.Valid() {
		t.Fatalf("NewMatrix(3, 5) = %+v", m)
	}
	for i := range m.Data {
		m.Data[i] = float32(i)
	}
	for r := range m.Rows {
		row := m.Row(r)
		if len(row) != 5 || cap(row) != 5 || row[0] != float32(5*r) || row[4] != float32(5*r+4) {
			t.Fatalf("Row(%d) = %v (cap %d)", r, row, cap(row))
		}
	}
	m.Row(1)[2] = -1
	if m.Data[7] != -1 {
		t.Fatal("Row does not share storage")
	}
	for _, c := range []struct {
		m    vec.Matrix
		want bool
	}{
		{vec.Matrix{}, true},
		{vec.Matrix{Rows: 5}, true},
		{vec.Matrix{Dim: 5}, true},
		{vec.Matrix{Rows: math.MaxInt, Dim: 0}, true},
		{vec.Matrix{Rows: 2, Dim: 3, Data: make([]float32, 7)}, true},
		{vec.Matrix{Rows: 2, Dim: 3, Data: make([]float32, 5)}, false},
		{vec.Matrix{Rows: -1, Dim: 3}, false},
		{vec.Matrix{Rows: 1, Dim: -3}, false},
		{vec.Matrix{Rows: math.MaxInt/2 + 1, Dim: 2}, false},
		{vec.Matrix{Rows: math.MaxInt, Dim: math.MaxInt}, false},
	} {
		if got := c.m.Valid(); got != c.want {
			t.Errorf("Matrix{%d, %d, len %d}.Valid() = %v", c.m.Rows, c.m.Dim, len(c.m.Data), got)
		}
	}
	if e := vec.NewMatrix(0, 0); !e.Valid() || e.Rows != 0 {
		t.Fatalf("NewMatrix(0, 0) = %+v", e)
	}
}

func TestMetricString(t *testing.T) {
	for m, want := range map[vec.Metric]string{
		vec.Cosine: "Cosine", vec.SquaredL2: "SquaredL2", vec.Metric(9): "Metric(9)", vec.Metric(-2): "Metric(-2)",
	} {
		if got := m.String(); got != want {
			t.Errorf("Metric(%d).String() = %q, want %q", int(m), got, want)
		}
	}
}

// TestNoAllocs checks the single-pair functions allocate nothing, at every
// level (a primitive called through a func value would make its arguments,
// such as SquaredEuclidean's one-element result, escape to the heap).
func TestNoAllocs(t *testing.T) {
	if devdata.Race {
		t.Skip("allocation counts mean nothing under -race (instrumented stack buffers escape)")
	}
	isatest.ForEach(t, func(t *testing.T) {
		x := make([]float32, 128)
		y := make([]float32, 128)
		for i := range x {
			x[i], y[i] = float32(i%5)-2, float32(i%3)-1
		}
		for name, f := range map[string]func(){
			"Dot":              func() { sinkVec = vec.Dot(x, y) },
			"Norm":             func() { sinkVec = vec.Norm(x) },
			"CosineDistance":   func() { sinkVec = vec.CosineDistance(x, y) },
			"SquaredEuclidean": func() { sinkVec = vec.SquaredEuclidean(x, y) },
		} {
			if a := testing.AllocsPerRun(10, f); a != 0 {
				t.Errorf("%s allocates %v times per call", name, a)
			}
		}
	})
}

var sinkVec float32
