package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

// ktImage returns a random w x h image with the given extra bytes per row.
func ktImage(r *rand.Rand, w, h, extra int) kernels.RGB {
	stride := 3*w + extra
	pix := make([]byte, (h-1)*stride+3*w)
	for i := range pix {
		pix[i] = byte(r.UintN(256))
	}
	return kernels.RGB{Pix: pix, Width: w, Height: h, Stride: stride}
}

func ktNorm(r *rand.Rand, bgr bool) kernels.PixelNorm {
	var n kernels.PixelNorm
	for i := range 3 {
		n.Scale[i] = 0.5*r.Float32() + 0.001
		n.Bias[i] = 200*r.Float32() - 100
	}
	n.BGR = bgr
	return n
}

// refResize is TensorFlow's resize_bilinear with half-pixel centres: source
// coordinates computed in float32 as TensorFlow does, interpolation in
// float64, then the normalisation.
func refResize(src kernels.RGB, outH, outW int, n kernels.PixelNorm) []float64 {
	out := make([]float64, outH*outW*3)
	coord := func(i, outN, inN int) (int, int, float64) {
		s := float32(inN) / float32(outN)
		in := (float32(i)+0.5)*s - 0.5
		f := math.Floor(float64(in))
		lo := max(int(f), 0)
		hi := min(int(math.Ceil(float64(in))), inN-1)
		return lo, hi, float64(in) - f
	}
	for y := 0; y < outH; y++ {
		y0, y1, fy := coord(y, outH, src.Height)
		for x := 0; x < outW; x++ {
			x0, x1, fx := coord(x, outW, src.Width)
			for ch := 0; ch < 3; ch++ {
				p := func(xx, yy int) float64 { return float64(src.Pix[yy*src.Stride+3*xx+ch]) }
				top := p(x0, y0) + (p(x1, y0)-p(x0, y0))*fx
				bot := p(x0, y1) + (p(x1, y1)-p(x0, y1))*fx
				v := top + (bot-top)*fy
				oc := ch
				if n.BGR {
					oc = 2 - ch
				}
				out[(y*outW+x)*3+oc] = v*float64(n.Scale[oc]) + float64(n.Bias[oc])
			}
		}
	}
	return out
}

// ktNormMag is the magnitude of a normalised output for tolerances.
func ktNormMag(n kernels.PixelNorm, oc int) float64 {
	return 255*math.Abs(float64(n.Scale[oc])) + math.Abs(float64(n.Bias[oc]))
}

func TestResizeBilinear(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		sizes := []int{1, 2, 3, 5, 8, 17, 31}
		for _, sw := range sizes {
			for _, sh := range sizes {
				for _, o := range [][2]int{{1, 1}, {3, 2}, {7, 9}, {16, 16}, {33, 20}} {
					checkResize(t, r, sw, sh, o[0], o[1], (sw+sh)%4, (sw*sh)%2 == 0)
				}
			}
		}
		checkResize(t, r, 640, 480, 256, 256, 1, false) // the detector's letterbox scale
		checkResize(t, r, 100, 120, 224, 224, 0, true)
	})
}

func checkResize(t *testing.T, r *rand.Rand, sw, sh, ow, oh, extra int, bgr bool) {
	t.Helper()
	src := ktImage(r, sw, sh, extra)
	n := ktNorm(r, bgr)
	want := refResize(src, oh, ow, n)
	out, guard := ktGuarded(oh*ow*3, extra)
	kernels.ResizeBilinear(out, oh, ow, src, n)
	guard(t)
	for i := range want {
		if !ktClose(out[i], want[i], ktNormMag(n, i%3), 32*ktU) {
			t.Fatalf("%dx%d -> %dx%d bgr=%v: out[%d] (y=%d x=%d c=%d) = %v, want %v", sw, sh, ow, oh, bgr, i, i/3/ow, i/3%ow, i%3, out[i], want[i])
		}
	}
}

func TestResizeKnown(t *testing.T) {
	// A 2x1 image upscaled to 4x1: half-pixel centres sample at -0.25,
	// 0.25, 0.75, 1.25, clamped: 10, 10+0.25*(30-10), 10+0.75*20, 30.
	src := kernels.RGB{Pix: []byte{10, 0, 0, 30, 0, 0}, Width: 2, Height: 1, Stride: 6}
	out := make([]float32, 12)
	kernels.ResizeBilinear(out, 1, 4, src, kernels.NewPixelNorm([3]float32{}, [3]float32{1, 1, 1}, false))
	for i, want := range []float32{10, 15, 25, 30} {
		if out[3*i] != want {
			t.Errorf("out[%d] = %v, want %v", i, out[3*i], want)
		}
	}
	// BGR with VGG means, as faceres wants: channel 0 holds blue.
	src = kernels.RGB{Pix: []byte{1, 2, 3}, Width: 1, Height: 1, Stride: 3}
	kernels.ResizeBilinear(out[:3], 1, 1, src, kernels.NewPixelNorm([3]float32{103.939, 116.779, 123.68}, [3]float32{1, 1, 1}, true))
	for i, want := range []float32{3 - 103.939, 2 - 116.779, 1 - 123.68} {
		if math.Abs(float64(out[i]-want)) > 1e-4 {
			t.Errorf("bgr out[%d] = %v, want %v", i, out[i], want)
		}
	}
}

func TestResizeWarpPanics(t *testing.T) {
	good := kernels.RGB{Pix: make([]byte, 12), Width: 2, Height: 2, Stride: 6}
	out := make([]float32, 12)
	n := kernels.PixelNorm{}
	for name, fn := range map[string]func(){
		"empty": func() { kernels.ResizeBilinear(out, 2, 2, kernels.RGB{}, n) },
		"stride": func() {
			kernels.ResizeBilinear(out, 2, 2, kernels.RGB{Pix: good.Pix, Width: 2, Height: 2, Stride: 5}, n)
		},
		"short pix": func() {
			kernels.ResizeBilinear(out, 2, 2, kernels.RGB{Pix: good.Pix[:11], Width: 2, Height: 2, Stride: 6}, n)
		},
		"short out":   func() { kernels.ResizeBilinear(out[:11], 2, 2, good, n) },
		"negative":    func() { kernels.WarpAffine(out, -1, 2, good, [6]float64{1, 0, 0, 0, 1, 0}, 0, n) },
		"warp short":  func() { kernels.WarpAffine(out[:11], 2, 2, good, [6]float64{1, 0, 0, 0, 1, 0}, 0, n) },
		"warp source": func() { kernels.WarpAffine(out, 2, 2, kernels.RGB{Width: 1, Height: 1, Stride: 3}, [6]float64{}, 0, n) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}

func TestResizeWarpNoAlloc(t *testing.T) {
	if devdata.Race {
		t.Skip("allocation counts are meaningless under -race")
	}
	src := ktImage(rand.New(rand.NewPCG(1, 1)), 64, 48, 0)
	out := make([]float32, 32*32*3)
	n := kernels.NewPixelNorm([3]float32{127.5, 127.5, 127.5}, [3]float32{127.5, 127.5, 127.5}, false)
	if a := testing.AllocsPerRun(5, func() {
		kernels.ResizeBilinear(out, 32, 32, src, n)
		kernels.WarpAffine(out, 32, 32, src, [6]float64{1.7, 0.3, 2, -0.3, 1.7, 1}, 0, n)
	}); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
}

// BenchmarkResizeBilinear resizes a letterboxed photo to the detector's
// 256x256 input.
func BenchmarkResizeBilinear(b *testing.B) {
	src := ktImage(rand.New(rand.NewPCG(1, 1)), 1600, 1600, 0)
	out := make([]float32, 256*256*3)
	n := kernels.NewPixelNorm([3]float32{127.5, 127.5, 127.5}, [3]float32{127.5, 127.5, 127.5}, false)
	isatest.ForEachB(b, func(b *testing.B) {
		b.ReportAllocs()
		done := ktPerCPU(b)
		for b.Loop() {
			kernels.ResizeBilinear(out, 256, 256, src, n)
		}
		done(256*256*float64(b.N)/1e6, "Mpixels/cpu-s")
		b.ReportMetric(256*256*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpixels/s")
	})
}
