package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/internal/isatest"
)

// gemmBenchShapes are the shapes: squares, then the networks'
// convolutions as M = output channels, N = output pixels, K = taps x input
// channels.
var gemmBenchShapes = [][3]int{
	{256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
	{32, 16384, 288}, {64, 4096, 576}, {128, 1024, 1152}, {256, 256, 2304},
	{128, 4096, 64}, {96, 1024, 96},
}

// BenchmarkSgemm runs every level on every shape, C = A*B (no transposes,
// beta 0), at the current SetThreads setting, reporting GFLOP/s.
func BenchmarkSgemm(b *testing.B) {
	isatest.ForEachB(b, func(b *testing.B) {
		for _, s := range gemmBenchShapes {
			m, n, k := s[0], s[1], s[2]
			b.Run(fmt.Sprintf("m=%d,n=%d,k=%d", m, n, k), func(b *testing.B) {
				benchGemm(b, false, false, m, n, k)
			})
		}
	})
}

func benchGemm(b *testing.B, transA, transB bool, m, n, k int) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float32, m*k)
	bb := make([]float32, k*n)
	c := make([]float32, m*n)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range bb {
		bb[i] = rng.Float32()
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	Sgemm(transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n) // warm the pools
	b.SetBytes(int64(4 * (m*k + k*n + m*n)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	for b.Loop() {
		Sgemm(transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	reportFlops(b, 2*float64(m)*float64(n)*float64(k), cputime.Process()-cpu0)
}

// reportFlops reports GFLOP/s of wall time and, where known, of the
// process's CPU time (which a loaded machine does not inflate; with more
// than one thread it sums over them).
func reportFlops(b *testing.B, flopsPerOp float64, cpu time.Duration) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(flopsPerOp*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
	}
}

// BenchmarkSgemmTrans runs the transposed layouts at the active level on a
// square and on a pairwise-distance shape (queries x features against a
// gallery, B transposed as vec.Pairwise uses it).
func BenchmarkSgemmTrans(b *testing.B) {
	for _, s := range [][3]int{{512, 512, 512}, {64, 4096, 1152}} {
		for _, tr := range [][2]bool{{false, true}, {true, false}, {true, true}} {
			b.Run(fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d", tr[0], tr[1], s[0], s[1], s[2]), func(b *testing.B) {
				benchGemm(b, tr[0], tr[1], s[0], s[1], s[2])
			})
		}
	}
}
