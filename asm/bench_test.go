package asm_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// dotBenchLengths run from a short vector through feature sizes (128 for
// dlib, 1152 for the fused feature) to lengths that leave L1 and L2.
var dotBenchLengths = []int{16, 128, 512, 1152, 4096, 65536}

var sink float32

// benchDot runs dot as a sub-benchmark per length, reporting the bytes of
// both inputs as the bandwidth, after one warm-up call.
func benchDot(b *testing.B, dot func(x, y []float32) float32) {
	for _, n := range dotBenchLengths {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			x := make([]float32, n)
			y := make([]float32, n)
			isatest.Fill(rng, x, 0)
			isatest.Fill(rng, y, 0)
			b.SetBytes(int64(2 * 4 * n))
			b.ReportAllocs()
			sink = dot(x, y)
			b.ResetTimer()
			for range b.N {
				sink = dot(x, y)
			}
		})
	}
}

// BenchmarkDot compares asm.Dot at every level with a plain Go loop and
// gonum's blas32.Dot, side by side in one run.
func BenchmarkDot(b *testing.B) {
	isatest.ForEachB(b, func(b *testing.B) { benchDot(b, asm.Dot) })
	b.Run("goloop", func(b *testing.B) {
		benchDot(b, func(x, y []float32) float32 {
			y = y[:len(x)]
			var s float32
			for i := range x {
				s += x[i] * y[i]
			}
			return s
		})
	})
	b.Run("gonum", func(b *testing.B) {
		benchDot(b, func(x, y []float32) float32 {
			return blas32.Dot(blas32.Vector{N: len(x), Inc: 1, Data: x}, blas32.Vector{N: len(x), Inc: 1, Data: y})
		})
	})
}

// batchBenchShapes are one query against N rows of D floats: an album that
// fits in L2 and one that streams from DRAM.
var batchBenchShapes = []struct{ n, d int }{{2000, 128}, {100000, 128}, {20000, 1152}}

// BenchmarkDotBatch measures DotBatch, SquaredL2Batch and CosineBatch at
// every level
// beside "sum", SumSquares over the same bytes at the best level: the read
// bandwidth a one-pass kernel can reach on this machine.
func BenchmarkDotBatch(b *testing.B) {
	for _, s := range batchBenchShapes {
		rng := rand.New(rand.NewPCG(uint64(s.n), uint64(s.d)))
		m := make([]float32, s.n*s.d)
		q := make([]float32, s.d)
		isatest.Fill(rng, m, 0)
		isatest.Fill(rng, q, 0)
		out := make([]float32, s.n)
		name := fmt.Sprintf("N=%d,D=%d", s.n, s.d)
		run := func(b *testing.B, f func()) {
			b.SetBytes(int64(len(m) * 4))
			b.ReportAllocs()
			f()
			b.ResetTimer()
			for range b.N {
				f()
			}
		}
		isatest.ForEachB(b, func(b *testing.B) {
			b.Run("dot/"+name, func(b *testing.B) { run(b, func() { asm.DotBatch(q, m, out) }) })
			b.Run("l2/"+name, func(b *testing.B) { run(b, func() { asm.SquaredL2Batch(q, m, out) }) })
			b.Run("cos/"+name, func(b *testing.B) { run(b, func() { asm.CosineBatch(q, m, out) }) })
		})
		b.Run("sum/"+name, func(b *testing.B) { run(b, func() { sink = asm.SumSquares(m) }) })
	}
}
