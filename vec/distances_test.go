package vec_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/vec"
)

var metrics = []vec.Metric{vec.Cosine, vec.SquaredL2}

// distRef returns the reference distance of q to row under metric, with its
// error bound.
func distRef(metric vec.Metric, q, row []float32) (want, tol float64) {
	if metric == vec.Cosine {
		return cosine1(q, row)
	}
	want = isatest.SquaredL2_64(q, row)
	return want, sumTol(want, len(q)+2)
}

// checkDistances runs Distances on a guarded copy of q, m and out and checks
// every element against the reference, that nothing outside out is written,
// that q and m are left unchanged, and that no memory is allocated.
func checkDistances(t *testing.T, rng *rand.Rand, name string, q []float32, m vec.Matrix, metric vec.Metric) {
	t.Helper()
	out, gout := isatest.Guarded(m.Rows, rng.IntN(16))
	rq, rm := isatest.ReadOnly(q), isatest.ReadOnly(m.Data)
	vec.Distances(q, m, metric, out)
	gout(t)
	rq(t, "q")
	rm(t, "m.Data")
	for r := range out {
		want, tol := distRef(metric, q, m.Row(r))
		if !near(out[r], want, tol) {
			t.Fatalf("%s %v: out[%d] = %v, want %v (tol %v)", name, metric, r, out[r], want, tol)
		}
	}
	if a := testing.AllocsPerRun(2, func() { vec.Distances(q, m, metric, out) }); a != 0 {
		t.Fatalf("%s %v: Distances allocates %v times", name, metric, a)
	}
}

// newGuardedMatrix returns a rows x dim matrix of random values whose Data
// starts at a random offset and is followed by NaN elements beyond Rows*Dim,
// which must not be read (a read would surface as a NaN distance).
func newGuardedMatrix(rng *rand.Rand, rows, dim, kind int) vec.Matrix {
	extra := rng.IntN(3) * max(dim, 1)
	buf := make([]float32, rng.IntN(16)+rows*dim+extra)
	data := buf[len(buf)-rows*dim-extra:]
	isatest.Fill(rng, data[:rows*dim], kind)
	for i := rows * dim; i < len(data); i++ {
		data[i] = isatest.Sentinel
	}
	return vec.Matrix{Rows: rows, Dim: dim, Data: data}
}

func TestDistances(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, d := range dims() {
			for _, rows := range rowCounts {
				for kind := range 2 {
					q := make([]float32, d)
					isatest.Fill(rng, q, kind)
					m := newGuardedMatrix(rng, rows, d, kind)
					for _, metric := range metrics {
						checkDistances(t, rng, fmt.Sprintf("d=%d rows=%d kind=%d", d, rows, kind), q, m, metric)
					}
				}
			}
		}
	})
}

// TestDistancesBlocks covers matrices taller than the row blocks Distances
// works in, and unit rows, whose cosine distances lie in [0, 2].
func TestDistancesBlocks(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, d := range []int{0, 1, 3, 16, 33, 128} {
			for _, rows := range []int{1023, 1024, 1025, 2048, 2049, 3077} {
				q := make([]float32, d)
				isatest.Fill(rng, q, 0)
				vec.Normalize(q)
				m := newGuardedMatrix(rng, rows, d, 0)
				for r := range rows {
					vec.Normalize(m.Row(r))
				}
				for _, metric := range metrics {
					checkDistances(t, rng, fmt.Sprintf("d=%d rows=%d", d, rows), q, m, metric)
				}
				out := make([]float32, rows)
				vec.Distances(q, m, vec.Cosine, out)
				for r, v := range out {
					if d > 0 && (v < -1e-5 || v > 2+1e-5) {
						t.Fatalf("d=%d rows=%d: unit cosine distance out[%d] = %v", d, rows, r, v)
					}
				}
			}
		}
	})
}

func TestDistancesNaN(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		for _, d := range []int{1, 3, 4, 5, 8, 16, 17, 64, 65, 129} {
			for _, rows := range []int{1, 3, 4, 5, 9} {
				for _, metric := range metrics {
					// A NaN in one row reaches that row's distance only.
					m := newGuardedMatrix(rng, rows, d, 0)
					q := make([]float32, d)
					isatest.Fill(rng, q, 0)
					bad := rng.IntN(rows)
					m.Row(bad)[rng.IntN(d)] = nan32
					out := make([]float32, rows)
					vec.Distances(q, m, metric, out)
					for r, v := range out {
						if (v != v) != (r == bad) {
							t.Fatalf("d=%d rows=%d %v: NaN in row %d, out[%d] = %v", d, rows, metric, bad, r, v)
						}
					}
					// A NaN in q reaches every distance.
					for i := range d {
						m.Row(bad)[i] = 0.5
					}
					q[rng.IntN(d)] = nan32
					vec.Distances(q, m, metric, out)
					for r, v := range out {
						if v == v {
							t.Fatalf("d=%d rows=%d %v: NaN in q, out[%d] = %v", d, rows, metric, r, v)
						}
					}
				}
			}
		}
	})
}

// TestDistancesInf checks infinities against the reference: +Inf for
// squared L2, and the IEEE results of 1 - dot for cosine.
func TestDistancesInf(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		inf := float32(math.Inf(1))
		q := []float32{1, 0, 2, 0, 1}
		m := vec.Matrix{Rows: 3, Dim: 5, Data: []float32{
			inf, 0, 0, 0, 0, // dot +Inf, L2 +Inf
			0, inf, 0, 0, 0, // dot Inf*0 = NaN
			-inf, 0, inf, 0, 0, // dot -Inf + Inf = NaN
		}}
		for _, metric := range metrics {
			out := make([]float32, 3)
			vec.Distances(q, m, metric, out)
			for r := range out {
				want, tol := distRef(metric, q, m.Row(r))
				if !near(out[r], want, tol) {
					t.Fatalf("%v: out[%d] = %v, want %v", metric, r, out[r], want)
				}
			}
		}
	})
}
