package vec_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/vec"
)

// benchShapes are the one-query-versus-many shapes of the product: a large
// album at two feature sizes (dlib's 128 and a wide one), and a small album.
var benchShapes = []struct{ n, d int }{{100000, 128}, {100000, 512}, {2000, 128}}

// benchMatrices caches one matrix of random unit rows per shape, shared by
// every benchmark in the run.
var benchMatrices = map[[2]int]vec.Matrix{}

func benchMatrix(n, d int) (vec.Matrix, []float32) {
	m, ok := benchMatrices[[2]int{n, d}]
	if !ok {
		rng := rand.New(rand.NewPCG(uint64(n), uint64(d)))
		m = vec.NewMatrix(n, d)
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
		for r := range n {
			vec.Normalize(m.Row(r))
		}
		benchMatrices[[2]int{n, d}] = m
	}
	q := append([]float32(nil), m.Row(n/2)...)
	q[0] += 0.25
	vec.Normalize(q)
	return m, q
}

func shapeName(n, d int) string { return fmt.Sprintf("N=%d,D=%d", n, d) }

// runShapes runs f as a sub-benchmark per shape, reporting the matrix read
// as the bandwidth, after one warm-up call.
func runShapes(b *testing.B, f func(q []float32, m vec.Matrix, out []float32)) {
	for _, s := range benchShapes {
		b.Run(shapeName(s.n, s.d), func(b *testing.B) {
			m, q := benchMatrix(s.n, s.d)
			out := make([]float32, s.n)
			b.SetBytes(int64(s.n) * int64(s.d) * 4)
			b.ReportAllocs()
			f(q, m, out)
			b.ResetTimer()
			for range b.N {
				f(q, m, out)
			}
		})
	}
}

var sinkF32 float32

// cosinePeers are other libraries' one-query-versus-many cosine distances,
// benchmarked beside Distances. bench_gonum_test.go adds gonum's under the
// build tag gonum.
var cosinePeers []distancesPeer

type distancesPeer struct {
	name      string
	distances func(q []float32, m vec.Matrix, out []float32)
}

// benchDistances compares Distances at every level with its peers: plain
// Go loops, cosinePeers (cosine only), and "sum", the read-bandwidth
// ceiling: asm.SumSquares over the same bytes at the best level.
func benchDistances(b *testing.B, metric vec.Metric) {
	isatest.ForEachB(b, func(b *testing.B) {
		runShapes(b, func(q []float32, m vec.Matrix, out []float32) {
			vec.Distances(q, m, metric, out)
		})
	})
	if metric == vec.Cosine {
		for _, p := range cosinePeers {
			b.Run(p.name, func(b *testing.B) { runShapes(b, p.distances) })
		}
	}
	b.Run("goloop", func(b *testing.B) {
		runShapes(b, func(q []float32, m vec.Matrix, out []float32) {
			d := m.Dim
			for r := range out {
				row := m.Data[r*d : (r+1)*d]
				row = row[:len(q)]
				var s float32
				if metric == vec.Cosine {
					for i := range q {
						s += q[i] * row[i]
					}
					s = 1 - s
				} else {
					for i := range q {
						t := q[i] - row[i]
						s += t * t
					}
				}
				out[r] = s
			}
		})
	})
	b.Run("sum", func(b *testing.B) {
		levels := asm.Levels()
		prev, err := asm.SetISA(levels[len(levels)-1])
		if err != nil {
			b.Fatal(err)
		}
		defer asm.SetISA(prev)
		runShapes(b, func(_ []float32, m vec.Matrix, _ []float32) {
			sinkF32 = asm.SumSquares(m.Data)
		})
	})
}

// BenchmarkDistances measures one query against a matrix of unit rows under
// Cosine.
func BenchmarkDistances(b *testing.B) { benchDistances(b, vec.Cosine) }

// BenchmarkDistancesL2 is BenchmarkDistances under SquaredL2.
func BenchmarkDistancesL2(b *testing.B) { benchDistances(b, vec.SquaredL2) }

// BenchmarkTopK selects the nearest few of a large album's distances.
func BenchmarkTopK(b *testing.B) {
	m, q := benchMatrix(100000, 128)
	dist := make([]float32, m.Rows)
	vec.Distances(q, m, vec.Cosine, dist)
	for _, k := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("N=%d,k=%d", m.Rows, k), func(b *testing.B) {
			b.SetBytes(int64(len(dist)) * 4)
			b.ReportAllocs()
			vec.TopK(dist, k)
			b.ResetTimer()
			for range b.N {
				vec.TopK(dist, k)
			}
		})
	}
}
