package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/cputime"
	"github.com/facecluster/facecluster/internal/isatest"
)

// winoMag returns, per output element of the 3x3 stride-1 SAME
// convolution s, the magnitude that bounds Conv2DWinograd's rounding: the
// sum over the 16 transformed products of |A^T| |V| |U| |A| in float64,
// V = B^T d B of the zero-padded input tile and U = G g G^T.
func winoMag(s ConvSpec, in, filter []float32) []float64 {
	bt := [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	at := [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
	ci, co := s.Cin, s.Cout
	u := make([]float64, 16*ci*co) // |U|
	for c := range ci {
		for o := range co {
			for k, v := range winoFilterTile(filter, ci, co, c, o) {
				u[(k*ci+c)*co+o] = math.Abs(v)
			}
		}
	}
	px := func(y, x, c int) float64 {
		if y < 0 || y >= s.H || x < 0 || x >= s.W {
			return 0
		}
		return float64(in[(y*s.W+x)*ci+c])
	}
	mag := make([]float64, s.H*s.W*co)
	vt := make([]float64, 16*ci)
	for ty := 0; 2*ty < s.H; ty++ {
		for tx := 0; 2*tx < s.W; tx++ {
			for c := range ci {
				for i := range 4 {
					for j := range 4 {
						var v float64
						for r := range 4 {
							for q := range 4 {
								v += bt[i][r] * px(2*ty+r-1, 2*tx+q-1, c) * bt[j][q]
							}
						}
						vt[(4*i+j)*ci+c] = math.Abs(v)
					}
				}
			}
			for r := range 2 {
				for x := range 2 {
					y, xx := 2*ty+r, 2*tx+x
					if y >= s.H || xx >= s.W {
						continue
					}
					for o := range co {
						var m float64
						for k := range 16 {
							a := math.Abs(at[r][k/4] * at[x][k%4])
							if a == 0 {
								continue
							}
							for c := range ci {
								m += a * vt[k*ci+c] * u[(k*ci+c)*co+o]
							}
						}
						mag[(y*s.W+xx)*co+o] = m
					}
				}
			}
		}
	}
	return mag
}

// TestConv2DWinograd checks Conv2DWinograd (through runConvCase, beside
// Conv2D) on odd and even maps from 1x1 up, channel counts in and out of
// whole vectors (4 and 12: whole NEON vectors only), every epilogue, at
// every level with one and two threads, and that both thread counts and a
// filter packed for another size give the same bits.
func TestConv2DWinograd(t *testing.T) {
	var cases []convCase
	for _, hw := range [][2]int{{1, 1}, {1, 2}, {2, 2}, {3, 3}, {4, 4}, {5, 7}, {8, 8}, {9, 6}, {17, 17}} {
		for _, ch := range [][2]int{{1, 1}, {3, 5}, {4, 12}, {8, 16}, {16, 16}, {24, 40}, {32, 32}, {64, 48}} {
			for res := range 3 {
				cases = append(cases, convCase{s: ConvSpec{H: hw[0], W: hw[1], Cin: ch[0], KH: 3, KW: 3, Cout: ch[1],
					Stride: 1, Pad: Same, Act: Activation(res)}, bias: res != 1, res: res, outExtra: 5})
			}
		}
	}
	cases = append(cases, convCase{s: ConvSpec{H: 35, W: 35, Cin: 32, KH: 3, KW: 3, Cout: 32, Stride: 1, Pad: Same, Act: ActReLU}, bias: true, res: 2})
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, th := range []int{1, 2} {
			prev := SetThreads(th)
			for _, c := range cases {
				runConvCase(t, rng, c)
			}
			SetThreads(prev)
		}
		// Bits: one and two threads, bands as packed or resized.
		s := ConvSpec{H: 35, W: 33, Cin: 16, KH: 3, KW: 3, Cout: 24, Stride: 1, Pad: Same, Act: ActReLU}
		in, filter := randSlice(rng, s.H*s.W*s.Cin), randSlice(rng, 9*s.Cin*s.Cout)
		bias, res := randSlice(rng, s.Cout), randSlice(rng, s.H*s.W*s.Cout)
		defer func(b int) { winoBandBytes = b }(winoBandBytes)
		winoBandBytes = 16 << 10 // many bands
		var outs [][]float32
		for _, f := range []*WinogradFilter{PackWinogradFilter(filter, s), PackWinogradFilter(filter, ConvSpec{H: 9, W: 9, Cin: 16, KH: 3, KW: 3, Cout: 24, Stride: 1, Pad: Same})} {
			for _, th := range []int{1, 2} {
				prev := SetThreads(th)
				out := make([]float32, len(res))
				Conv2DWinograd(out, in, f, bias, res, s)
				outs = append(outs, out)
				SetThreads(prev)
			}
		}
		for k := 1; k < len(outs); k++ {
			for i := range outs[0] {
				if math.Float32bits(outs[0][i]) != math.Float32bits(outs[k][i]) {
					t.Fatalf("run %d: out[%d] = %v, run 0 %v", k, i, outs[k][i], outs[0][i])
				}
			}
		}
	})
}

// TestConv2DWinogradLevels packs a filter at the default level and runs it
// at every level (another level falls back to the direct convolution of
// the filter itself).
func TestConv2DWinogradLevels(t *testing.T) {
	s := ConvSpec{H: 9, W: 10, Cin: 16, KH: 3, KW: 3, Cout: 32, Stride: 1, Pad: Same, Act: ActReLU}
	rng := rand.New(rand.NewPCG(23, 24))
	in, filter, bias := randSlice(rng, s.H*s.W*s.Cin), randSlice(rng, 9*s.Cin*s.Cout), randSlice(rng, s.Cout)
	f := PackWinogradFilter(filter, s)
	want, mag := naiveConv(s, in, filter, bias, nil)
	wmag := winoMag(s, in, filter)
	isatest.ForEach(t, func(t *testing.T) {
		out := make([]float32, len(want))
		Conv2DWinograd(out, in, f, bias, nil, s)
		for i, w := range want {
			if tol := gemmTol(s.Cin+24, mag[i]+wmag[i]); !(math.Abs(float64(out[i])-w) <= tol) {
				t.Fatalf("out[%d] = %v, want %v (tolerance %.3g)", i, out[i], w, tol)
			}
		}
	})
}

func TestConv2DWinogradPanics(t *testing.T) {
	buf := make([]float32, 1000)
	good := ConvSpec{H: 4, W: 4, Cin: 2, KH: 3, KW: 3, Cout: 3, Stride: 1, Pad: Same}
	f := PackWinogradFilter(buf, good)
	checkPanics(t, []panicCase{
		{"valid", func() { s := good; s.Pad = Valid; PackWinogradFilter(buf, s) }, "not a 3x3"},
		{"stride", func() { s := good; s.Stride = 2; PackWinogradFilter(buf, s) }, "not a 3x3"},
		{"5x5", func() { s := good; s.KH, s.KW = 5, 5; PackWinogradFilter(buf, s) }, "not a 3x3"},
		{"filter", func() { PackWinogradFilter(buf[:53], good) }, "length of filter"},
		{"cout", func() { s := good; s.Cout = 4; Conv2DWinograd(buf, buf, f, nil, nil, s) }, "unlike the filter"},
		{"in", func() { Conv2DWinograd(buf, buf[:31], f, nil, nil, good) }, "length of in"},
		{"bias", func() { Conv2DWinograd(buf, buf, f, buf[:2], nil, good) }, "length of bias"},
		{"out", func() { Conv2DWinograd(buf[:47], buf, f, nil, nil, good) }, "length of out"},
		{"res", func() { Conv2DWinograd(buf, buf, f, nil, buf[:47], good) }, "length of out or res"},
	})
}

func TestConv2DWinogradAllocs(t *testing.T) {
	s := ConvSpec{H: 17, W: 17, Cin: 64, KH: 3, KW: 3, Cout: 64, Stride: 1, Pad: Same, Act: ActReLU}
	in, filter := make([]float32, s.H*s.W*s.Cin), make([]float32, 9*s.Cin*s.Cout)
	bias, out := make([]float32, s.Cout), make([]float32, s.H*s.W*s.Cout)
	f := PackWinogradFilter(filter, s)
	for _, th := range []int{1, 2} {
		prev := SetThreads(th)
		run := func() { Conv2DWinograd(out, in, f, bias, out, s) }
		run()
		if n := testing.AllocsPerRun(10, run); n > 0 {
			t.Errorf("threads=%d: %v allocations per call", th, n)
		}
		SetThreads(prev)
	}
}

// FuzzConv2DWinograd derives a 3x3 stride-1 SAME convolution from the input
// (map up to 24x24, up to 40 channels in and 72 out, epilogue, threads) and
// checks Conv2DWinograd at every level against the direct reference
// (through runConvCase, as FuzzConv2D).
func FuzzConv2DWinograd(f *testing.F) {
	f.Add([]byte{5, 7, 3, 8, 1, 0})
	f.Add([]byte{16, 16, 32, 32, 2, 7})
	f.Add([]byte{0, 1, 15, 23, 0, 12})
	f.Fuzz(func(t *testing.T, data []byte) {
		get := fuzzByte(data)
		s := ConvSpec{H: 1 + get(0)%24, W: 1 + get(1)%24, Cin: 1 + get(2)%40, KH: 3, KW: 3, Cout: 1 + get(3)%72,
			Stride: 1, Pad: Same, Act: Activation(get(4) % 3)}
		fl := get(5)
		c := convCase{s: s, bias: fl&1 == 1, res: (fl >> 1) % 3, outExtra: 3}
		defer SetThreads(SetThreads(1 + (fl>>3)%2))
		isatest.AtEachLevel(t, func(asm.Level) {
			runConvCase(t, rand.New(rand.NewPCG(uint64(get(6)), 1)), c)
		})
	})
}

// BenchmarkConv2DWinograd runs dlib's 3x3 stride-1 layers at every level,
// one thread, as Conv2DWinograd (conv=winograd) and Conv2DPacked
// (conv=direct), reporting the direct convolution's GFLOP per CPU second.
func BenchmarkConv2DWinograd(b *testing.B) {
	defer SetThreads(SetThreads(1))
	isatest.ForEachB(b, func(b *testing.B) {
		for _, s := range []ConvSpec{
			{H: 35, W: 35, Cin: 32, KH: 3, KW: 3, Cout: 32, Stride: 1, Pad: Same, Act: ActReLU},
			{H: 17, W: 17, Cin: 64, KH: 3, KW: 3, Cout: 64, Stride: 1, Pad: Same, Act: ActReLU},
			{H: 8, W: 8, Cin: 128, KH: 3, KW: 3, Cout: 128, Stride: 1, Pad: Same, Act: ActReLU},
			{H: 4, W: 4, Cin: 256, KH: 3, KW: 3, Cout: 256, Stride: 1, Pad: Same, Act: ActReLU},
			{H: 3, W: 3, Cin: 256, KH: 3, KW: 3, Cout: 256, Stride: 1, Pad: Same},
		} {
			rng := rand.New(rand.NewPCG(1, 2))
			in, filter := randSlice(rng, s.H*s.W*s.Cin), randSlice(rng, 9*s.Cin*s.Cout)
			bias, res := randSlice(rng, s.Cout), randSlice(rng, s.H*s.W*s.Cout)
			out := make([]float32, len(res))
			wf, pf := PackWinogradFilter(filter, s), PackConvFilter(filter, s)
			for _, conv := range []string{"direct", "winograd"} {
				b.Run(fmt.Sprintf("in=%dx%dx%d,cout=%d/conv=%s", s.H, s.W, s.Cin, s.Cout, conv), func(b *testing.B) {
					run := func() { Conv2DPacked(out, in, pf, bias, res, s) }
					if conv == "winograd" {
						run = func() { Conv2DWinograd(out, in, wf, bias, res, s) }
					}
					run()
					b.ReportAllocs()
					b.ResetTimer()
					cpu0 := cputime.Process()
					for b.Loop() {
						run()
					}
					reportFlops(b, 2*float64(s.H*s.W)*float64(9*s.Cin*s.Cout), cputime.Process()-cpu0)
				})
			}
		}
	})
}
