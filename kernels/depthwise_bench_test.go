package kernels_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

// dwBenchShapes are the range (64x64..128x128, C=32..96) plus
// smaller L2-resident shapes, two of BlazeFace's layers and faceres's
// unfused layers.
var dwBenchShapes = [][4]int{
	// h, w, c, stride
	{32, 32, 32, 1}, {32, 32, 96, 1}, {48, 48, 32, 1},
	{64, 64, 32, 1}, {64, 64, 32, 2}, {64, 64, 64, 1}, {64, 64, 96, 1}, {64, 64, 96, 2},
	{128, 128, 32, 1}, {128, 128, 32, 2}, {128, 128, 96, 1},
	{128, 128, 24, 1}, {16, 16, 88, 1}, // BlazeFace: first block, a late block
	// faceres (MobileNet): small maps, many channels
	{56, 56, 128, 2}, {28, 28, 256, 1}, {28, 28, 256, 2}, {14, 14, 512, 1}, {14, 14, 512, 2}, {7, 7, 1024, 1},
}

// plainDepthwise is the plain Go loop a straightforward port would write:
// SAME padding, bias and ReLU, no blocking.
func plainDepthwise(out, in []float32, h, w, c int, filter, bias []float32, stride int) {
	oh, pt := kernels.WindowOutput(h, 3, stride, kernels.Same)
	ow, pl := kernels.WindowOutput(w, 3, stride, kernels.Same)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for ch := 0; ch < c; ch++ {
				s := bias[ch]
				for ky := 0; ky < 3; ky++ {
					iy := oy*stride + ky - pt
					if iy < 0 || iy >= h {
						continue
					}
					for kx := 0; kx < 3; kx++ {
						ix := ox*stride + kx - pl
						if ix < 0 || ix >= w {
							continue
						}
						s += in[(iy*w+ix)*c+ch] * filter[(ky*3+kx)*c+ch]
					}
				}
				out[(oy*ow+ox)*c+ch] = max(s, 0)
			}
		}
	}
}

func BenchmarkDepthwise(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	run := func(b *testing.B, plain bool) {
		for _, s := range dwBenchShapes {
			h, w, c, stride := s[0], s[1], s[2], s[3]
			b.Run(fmt.Sprintf("h=%d,w=%d,c=%d,s=%d", h, w, c, stride), func(b *testing.B) {
				// The input at the pixel stride the level asks for, as the
				// executor stores it (the plain loop reads it dense).
				pix := kernels.DepthwisePixelStride(c)
				if plain {
					pix = c
				}
				in := ktFill(r, h*w*pix, 0)
				f := ktFill(r, 9*c, 0)
				bias := ktFill(r, c, 0)
				oh, ow := kernels.DepthwiseOutput(h, w, stride, kernels.Same)
				out := make([]float32, oh*ow*c)
				call := func() {
					if plain {
						plainDepthwise(out, in, h, w, c, f, bias, stride)
					} else {
						kernels.DepthwiseConv2D3x3RowsPix(out, in, h, w, c, pix, f, bias, stride, kernels.Same, kernels.ActReLU, 0, oh)
					}
				}
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				call() // warm the caches
				b.SetBytes(int64(4 * (len(in) + len(out))))
				b.ReportAllocs()
				b.ResetTimer()
				cpu0, ok := cputime.Thread(), cputime.Known
				for b.Loop() {
					call()
				}
				flops := 18 * float64(oh*ow*c) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				// On a shared machine the wall clock includes time the
				// thread was descheduled; per CPU second it does not.
				if cpu1, ok1 := cputime.Thread(), cputime.Known; ok && ok1 && cpu1 > cpu0 {
					b.ReportMetric(flops/(cpu1-cpu0).Seconds()/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
	isatest.ForEachB(b, func(b *testing.B) { run(b, false) })
	b.Run("plain-go", func(b *testing.B) { run(b, true) })
}

// ktPerCPU starts measuring the calling thread's CPU time and returns a
// function that reports work units per CPU second as unit (alongside the
// benchmark's wall-clock numbers; the machine is shared). It locks the
// goroutine to its thread until the returned function runs.
func ktPerCPU(b *testing.B) func(work float64, unit string) {
	runtime.LockOSThread()
	cpu0, ok := cputime.Thread(), cputime.Known
	return func(work float64, unit string) {
		cpu1, ok1 := cputime.Thread(), cputime.Known
		runtime.UnlockOSThread()
		if ok && ok1 && cpu1 > cpu0 {
			b.ReportMetric(work/(cpu1-cpu0).Seconds(), unit)
		}
	}
}
