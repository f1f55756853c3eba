package nn_test

import (
	"fmt"
	"testing"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

// BenchmarkModel times one inference of each shipped network (batch 1, the
// golden input of seed 1, a warm Session) at every ISA level with one and
// two kernel threads: BenchmarkModel/<isa>/<model>/threads=<n>. It reports
// the network's multiply-accumulates per second and the process's CPU time
// per inference (all threads; on a loaded machine a steadier measure of the
// work than wall time, which the other processes inflate). Compare runs with
// benchstat; bench/cmd/models puts the same networks beside ONNX Runtime and
// TF.js.
func BenchmarkModel(b *testing.B) {
	isatest.ForEachB(b, func(b *testing.B) {
		for _, g := range goldenModels {
			e := executor(b, g.load)
			in := goldenInput(b, g, "1")
			s := e.NewSession()
			b.Run(g.name, func(b *testing.B) {
				for _, th := range []int{1, 2} {
					b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
						defer kernels.SetThreads(kernels.SetThreads(th))
						if _, err := s.Run(in); err != nil {
							b.Fatal(err)
						}
						b.ReportAllocs()
						c0, cpuOK := cputime.Process(), cputime.Known
						b.ResetTimer()
						for b.Loop() {
							s.Run(in)
						}
						b.ReportMetric(float64(e.Model().MACs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
						if c1 := cputime.Process(); cpuOK {
							b.ReportMetric(float64((c1-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
						}
					})
				}
			})
		}
	})
}
