//go:build cref && cgo && linux

package depthwisec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

var shapes = [][4]int{
	// h, w, c, stride: as kernels' BenchmarkDepthwise
	{32, 32, 32, 1}, {32, 32, 96, 1}, {48, 48, 32, 1},
	{64, 64, 32, 1}, {64, 64, 32, 2}, {64, 64, 64, 1}, {64, 64, 96, 1}, {64, 64, 96, 2},
	{128, 128, 32, 1}, {128, 128, 32, 2}, {128, 128, 96, 1},
	{128, 128, 24, 1}, {16, 16, 88, 1},
}

func data(h, w, c, stride int) (in, f, b, out []float32) {
	r := rand.New(rand.NewPCG(uint64(h*w), uint64(c*stride)))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 2*r.Float32() - 1
		}
		return s
	}
	oh, ow := kernels.DepthwiseOutput(h, w, stride, kernels.Same)
	return fill(h * w * c), fill(9 * c), fill(c), make([]float32, oh*ow*c)
}

// TestMatchesKernels checks that the C loop computes what the Go kernels
// do, so that the benchmark compares like with like.
func TestMatchesKernels(t *testing.T) {
	for _, s := range shapes {
		h, w, c, stride := s[0], s[1], s[2], s[3]
		in, f, b, out := data(h, w, c, stride)
		want := make([]float32, len(out))
		Depthwise3x3(out, in, h, w, c, f, b, stride)
		kernels.DepthwiseConv2D3x3(want, in, h, w, c, f, b, stride, kernels.Same, kernels.ActReLU)
		for i := range out {
			if math.Abs(float64(out[i]-want[i])) > 1e-5 {
				t.Fatalf("%v: out[%d] = %v, kernels %v", s, i, out[i], want[i])
			}
		}
	}
}

func bench(b *testing.B, run func(out, in []float32, h, w, c int, f, bias []float32, stride int)) {
	for _, s := range shapes {
		h, w, c, stride := s[0], s[1], s[2], s[3]
		b.Run(fmt.Sprintf("h=%d,w=%d,c=%d,s=%d", h, w, c, stride), func(b *testing.B) {
			in, f, bias, out := data(h, w, c, stride)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			run(out, in, h, w, c, f, bias, stride)
			b.SetBytes(int64(4 * (len(in) + len(out))))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cputime.Thread()
			for b.Loop() {
				run(out, in, h, w, c, f, bias, stride)
			}
			flops := 18 * float64(len(out)) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			// The machine is shared: also report per CPU second of this thread.
			if cpu1 := cputime.Thread(); cpu1 > cpu0 {
				b.ReportMetric(flops/(cpu1-cpu0).Seconds()/1e9, "GFLOP/cpu-s")
			}
		})
	}
}

// BenchmarkDepthwise runs the C loop ("c-O3") and the Go kernels at every
// level on the same shapes.
func BenchmarkDepthwise(b *testing.B) {
	b.Run("c-O3", func(b *testing.B) { bench(b, Depthwise3x3) })
	isatest.ForEachB(b, func(b *testing.B) {
		bench(b, func(out, in []float32, h, w, c int, f, bias []float32, stride int) {
			kernels.DepthwiseConv2D3x3(out, in, h, w, c, f, bias, stride, kernels.Same, kernels.ActReLU)
		})
	})
}
