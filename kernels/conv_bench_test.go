package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/internal/isatest"
)

// convBenchSpecs are layers of the three networks (MODELS.md): the
// detector's 5x5 stride-2 stem and a 1x1, dlib's 3x3 residual convs at
// three depths, faceres' 3x3 stride-2 stem and a wide 1x1.
var convBenchSpecs = []ConvSpec{
	{H: 256, W: 256, Cin: 3, KH: 5, KW: 5, Cout: 24, Stride: 2, Pad: Same},
	{H: 64, W: 64, Cin: 24, KH: 1, KW: 1, Cout: 48, Stride: 1, Pad: Valid},
	{H: 35, W: 35, Cin: 32, KH: 3, KW: 3, Cout: 32, Stride: 1, Pad: Same, Act: ActReLU},
	{H: 17, W: 17, Cin: 64, KH: 3, KW: 3, Cout: 64, Stride: 1, Pad: Same, Act: ActReLU},
	{H: 8, W: 8, Cin: 128, KH: 3, KW: 3, Cout: 128, Stride: 1, Pad: Same, Act: ActReLU},
	{H: 224, W: 224, Cin: 3, KH: 3, KW: 3, Cout: 32, Stride: 2, Pad: Same, Act: ActReLU6},
	{H: 14, W: 14, Cin: 512, KH: 1, KW: 1, Cout: 512, Stride: 1, Pad: Same, Act: ActReLU6},
	{H: 4, W: 4, Cin: 256, KH: 3, KW: 3, Cout: 256, Stride: 1, Pad: Same, Act: ActReLU},
	{H: 4, W: 4, Cin: 256, KH: 3, KW: 3, Cout: 256, Stride: 2, Pad: Valid, Act: ActReLU},
	{H: 7, W: 7, Cin: 1024, KH: 1, KW: 1, Cout: 1024, Stride: 1, Pad: Same, Act: ActReLU6},
	{H: 128, W: 128, Cin: 24, KH: 1, KW: 1, Cout: 24, Stride: 1, Pad: Valid},
}

// BenchmarkConv2D runs every level on the network layers with bias and a
// fused activation, reporting GFLOP/s (2 * output pixels * taps * Cin *
// Cout per call): Conv2D (filter=plain) and Conv2DPacked (filter=packed).
func BenchmarkConv2D(b *testing.B) {
	isatest.ForEachB(b, func(b *testing.B) {
		for _, s := range convBenchSpecs {
			name := fmt.Sprintf("in=%dx%dx%d,f=%dx%dx%d,s=%d", s.H, s.W, s.Cin, s.KH, s.KW, s.Cout, s.Stride)
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				oh, ow, _, _ := s.Output()
				in := randSlice(rng, s.H*s.W*s.Cin)
				filter := randSlice(rng, s.KH*s.KW*s.Cin*s.Cout)
				bias := randSlice(rng, s.Cout)
				out := make([]float32, oh*ow*s.Cout)
				pf := PackConvFilter(filter, s)
				for _, packed := range []bool{false, true} {
					b.Run(map[bool]string{false: "filter=plain", true: "filter=packed"}[packed], func(b *testing.B) {
						conv := func() { Conv2D(out, in, filter, bias, nil, s) }
						if packed {
							conv = func() { Conv2DPacked(out, in, pf, bias, nil, s) }
						}
						conv()
						b.ReportAllocs()
						b.ResetTimer()
						cpu0 := cputime.Process()
						for b.Loop() {
							conv()
						}
						reportFlops(b, 2*float64(oh*ow)*float64(s.KH*s.KW*s.Cin*s.Cout), cputime.Process()-cpu0)
					})
				}
			})
		}
	})
}
