package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// convCase is one Conv2D call to check.
type convCase struct {
	s        ConvSpec
	bias     bool
	res      int // 0 none, 1 separate, 2 in place (res is out)
	outExtra int // elements after the output that must stay untouched
}

func (c convCase) String() string {
	return fmt.Sprintf("in=%dx%dx%d,f=%dx%dx%d,stride=%d,%v,%v,bias=%v,res=%d",
		c.s.H, c.s.W, c.s.Cin, c.s.KH, c.s.KW, c.s.Cout, c.s.Stride, c.s.Pad, c.s.Act, c.bias, c.res)
}

// naiveConv is the direct convolution in float64, with each element's
// error bound magnitude (sum of |products| plus |bias| and |res|).
func naiveConv(s ConvSpec, in, filter, bias, res []float32) (want, mag []float64) {
	oh, ow, pt, pl := s.Output()
	want = make([]float64, oh*ow*s.Cout)
	mag = make([]float64, len(want))
	for oy := range oh {
		for ox := range ow {
			for co := range s.Cout {
				var v, g float64
				if bias != nil {
					v, g = float64(bias[co]), math.Abs(float64(bias[co]))
				}
				for ky := range s.KH {
					y := oy*s.Stride + ky - pt
					if y < 0 || y >= s.H {
						continue
					}
					for kx := range s.KW {
						x := ox*s.Stride + kx - pl
						if x < 0 || x >= s.W {
							continue
						}
						for ci := range s.Cin {
							p := float64(in[(y*s.W+x)*s.Cin+ci]) * float64(filter[((ky*s.KW+kx)*s.Cin+ci)*s.Cout+co])
							v += p
							g += math.Abs(p)
						}
					}
				}
				i := (oy*ow+ox)*s.Cout + co
				if res != nil {
					v += float64(res[i])
					g += math.Abs(float64(res[i]))
				}
				lo, hi := s.Act.bounds()
				if s.Act != ActNone {
					v = math.Min(math.Max(v, float64(lo)), float64(hi))
				}
				want[i], mag[i] = v, g
			}
		}
	}
	return want, mag
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

// runConvCase runs Conv2D on random data and checks it against naiveConv,
// the guard elements after out, and that the inputs are unchanged; then the
// same with Conv2DPacked, its filter packed for c.s and for a spec of
// another input size (another tile).
func runConvCase(t *testing.T, rng *rand.Rand, c convCase) {
	t.Helper()
	s := c.s
	oh, ow, _, _ := s.Output()
	k := s.KH * s.KW * s.Cin
	in := randSlice(rng, s.H*s.W*s.Cin)
	filter := randSlice(rng, k*s.Cout)
	var bias, res []float32
	if c.bias {
		bias = randSlice(rng, s.Cout)
	}
	n := oh * ow * s.Cout
	buf := make([]float32, n+c.outExtra)
	out := buf[:n]
	var init []float32 // out's initial values for an in-place residual
	switch c.res {
	case 1:
		res = randSlice(rng, n)
	case 2:
		res = out
		init = randSlice(rng, n)
	}
	inputs := [][]float32{append([]float32(nil), in...), append([]float32(nil), filter...), append([]float32(nil), bias...)}
	resRef := append([]float32(nil), res...)
	if c.res == 2 {
		resRef = init
	}
	want, mag := naiveConv(s, in, filter, bias, resRef)
	other := s
	other.H, other.W = 1+rng.IntN(40), 1+rng.IntN(40)
	if oh, ow, _, _ := other.Output(); oh*ow == 0 {
		other = s
	}
	type convRun struct {
		name string
		f    func()
		wino bool // Conv2DWinograd: its own error bound (winoMag)
	}
	runs := []convRun{
		{"Conv2D", func() { Conv2D(out, in, filter, bias, res, s) }, false},
		{"Conv2DPacked", func() { Conv2DPacked(out, in, PackConvFilter(filter, s), bias, res, s) }, false},
		{"Conv2DPacked/other", func() { Conv2DPacked(out, in, PackConvFilter(filter, other), bias, res, s) }, false},
	}
	var wmag []float64
	if WinogradSupported(s) {
		wmag = winoMag(s, in, filter)
		runs = append(runs,
			convRun{"Conv2DWinograd", func() { Conv2DWinograd(out, in, PackWinogradFilter(filter, s), bias, res, s) }, true},
			convRun{"Conv2DWinograd/other", func() { Conv2DWinograd(out, in, PackWinogradFilter(filter, other), bias, res, s) }, true})
	}
	for _, run := range runs {
		for i := range buf {
			buf[i] = float32(math.NaN()) // out is write-only
		}
		copy(out, init)
		run.f()
		for i, w := range want {
			tol := gemmTol(k+2, mag[i])
			if run.wino {
				tol = gemmTol(s.Cin+24, mag[i]+wmag[i])
			}
			if d := math.Abs(float64(out[i]) - w); !(d <= tol) {
				t.Fatalf("%v, %s: out[%d] (pixel %d, channel %d) = %v, want %v (tolerance %.3g)", c, run.name, i, i/s.Cout, i%s.Cout, out[i], w, tol)
			}
		}
		for i := n; i < len(buf); i++ {
			if !math.IsNaN(float64(buf[i])) {
				t.Fatalf("%v, %s: element %d after out written: %v", c, run.name, i-n, buf[i])
			}
		}
		for j, got := range [][]float32{in, filter, bias} {
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(inputs[j][i]) {
					t.Fatalf("%v, %s: input %d modified at %d", c, run.name, j, i)
				}
			}
		}
	}
}

// TestConv2DShapes covers every padding and stride with odd sizes, input
// smaller than the filter, 1x1 (the GEMM-only path), every epilogue, at
// every level.
func TestConv2DShapes(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, uint64(asm.ISA())))
		filters := [][2]int{{1, 1}, {3, 3}, {5, 5}, {7, 7}, {2, 2}, {1, 3}, {3, 1}}
		for _, f := range filters {
			for _, stride := range []int{1, 2, 3} {
				for _, pad := range []Padding{Valid, Same} {
					for rep := range 3 {
						s := ConvSpec{H: 1 + rng.IntN(13), W: 1 + rng.IntN(13), Cin: []int{1, 3, 5, 16, 33}[rng.IntN(5)],
							KH: f[0], KW: f[1], Cout: []int{1, 7, 16, 32, 33, 70}[rng.IntN(6)],
							Stride: stride, Pad: pad, Act: Activation(rep)}
						if oh, ow, _, _ := s.Output(); oh*ow == 0 {
							continue
						}
						runConvCase(t, rng, convCase{s: s, bias: rng.IntN(3) > 0, res: rng.IntN(3), outExtra: 5})
					}
				}
			}
		}
	})
}

// TestConv2DNetworks runs layer shapes of the three networks (scaled down in
// -short mode): several GEMM blocks, several threads, deep k (more than one
// pass over C, with an in-place residual).
func TestConv2DNetworks(t *testing.T) {
	cases := []convCase{
		{s: ConvSpec{H: 35, W: 35, Cin: 32, KH: 3, KW: 3, Cout: 32, Stride: 1, Pad: Same, Act: ActReLU}, bias: true, res: 1},
		{s: ConvSpec{H: 17, W: 17, Cin: 64, KH: 3, KW: 3, Cout: 64, Stride: 1, Pad: Same, Act: ActReLU}, bias: true, res: 2},
		{s: ConvSpec{H: 64, W: 64, Cin: 3, KH: 5, KW: 5, Cout: 24, Stride: 2, Pad: Same}, bias: true},
		{s: ConvSpec{H: 40, W: 40, Cin: 3, KH: 7, KW: 7, Cout: 32, Stride: 2, Pad: Valid, Act: ActReLU}, bias: true},
		{s: ConvSpec{H: 28, W: 28, Cin: 64, KH: 1, KW: 1, Cout: 128, Stride: 1, Pad: Same, Act: ActReLU6}, bias: true},
		{s: ConvSpec{H: 8, W: 8, Cin: 128, KH: 3, KW: 3, Cout: 48, Stride: 1, Pad: Same, Act: ActReLU}, bias: true, res: 2},
		{s: ConvSpec{H: 9, W: 9, Cin: 100, KH: 1, KW: 1, Cout: 40, Stride: 1, Pad: Valid}, res: 2},
		{s: ConvSpec{H: 17, W: 17, Cin: 64, KH: 3, KW: 3, Cout: 64, Stride: 2, Pad: Valid, Act: ActReLU}, bias: true},
	}
	if testing.Short() {
		cases = cases[3:]
	}
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(12, uint64(asm.ISA())))
		for _, th := range []int{1, 2} {
			prev := SetThreads(th)
			for _, c := range cases {
				runConvCase(t, rng, c)
			}
			SetThreads(prev)
		}
	})
}

// TestConv2DThreads checks that one and two goroutines give identical bits,
// with the filter plain and packed, on a convolution shared out by rows,
// on one too small for that (whose GEMM is split instead), on a small one
// with a large filter, and on 1x1 convolutions whose packed GEMM is split
// by rows in equal shares (an even number of row tiles at every level) or
// by columns (an odd one).
func TestConv2DThreads(t *testing.T) {
	for _, s := range []ConvSpec{
		{H: 30, W: 31, Cin: 20, KH: 3, KW: 3, Cout: 40, Stride: 1, Pad: Same, Act: ActReLU},
		{H: 8, W: 9, Cin: 64, KH: 3, KW: 3, Cout: 96, Stride: 1, Pad: Same, Act: ActReLU6},
		// Under 4 MFLOP but 2.4 MB of filter: shared by columns.
		{H: 4, W: 4, Cin: 256, KH: 3, KW: 3, Cout: 256, Stride: 2, Pad: Valid, Act: ActReLU},
		{H: 28, W: 24, Cin: 128, KH: 1, KW: 1, Cout: 96, Stride: 1, Pad: Valid, Act: ActReLU6},
		{H: 7, W: 7, Cin: 512, KH: 1, KW: 1, Cout: 200, Stride: 1, Pad: Valid, Act: ActReLU6},
	} {
		rng := rand.New(rand.NewPCG(13, 14))
		oh, ow, _, _ := s.Output()
		in, filter, bias := randSlice(rng, s.H*s.W*s.Cin), randSlice(rng, s.KH*s.KW*s.Cin*s.Cout), randSlice(rng, s.Cout)
		res := randSlice(rng, oh*ow*s.Cout)
		isatest.ForEach(t, func(t *testing.T) {
			pf := PackConvFilter(filter, s)
			for _, packed := range []bool{false, true} {
				var outs [2][]float32
				for i, th := range []int{1, 2} {
					prev := SetThreads(th)
					outs[i] = make([]float32, oh*ow*s.Cout)
					if packed {
						Conv2DPacked(outs[i], in, pf, bias, res, s)
					} else {
						Conv2D(outs[i], in, filter, bias, res, s)
					}
					SetThreads(prev)
				}
				for i := range outs[0] {
					if math.Float32bits(outs[0][i]) != math.Float32bits(outs[1][i]) {
						t.Fatalf("%+v packed %v: out[%d] = %v with 1 thread, %v with 2", s, packed, i, outs[0][i], outs[1][i])
					}
				}
			}
		})
	}
}

func TestConv2DPanics(t *testing.T) {
	buf := make([]float32, 1000)
	good := ConvSpec{H: 4, W: 4, Cin: 2, KH: 3, KW: 3, Cout: 3, Stride: 1, Pad: Same}
	checkPanics(t, []panicCase{
		{"dim", func() { s := good; s.Cin = 0; Conv2D(buf, buf, buf, nil, nil, s) }, "dimension"},
		{"stride", func() { s := good; s.Stride = 0; Conv2D(buf, buf, buf, nil, nil, s) }, "stride"},
		{"pad", func() { s := good; s.Pad = 7; Conv2D(buf, buf, buf, nil, nil, s) }, "padding"},
		{"act", func() { s := good; s.Act = 9; Conv2D(buf, buf, buf, nil, nil, s) }, "activation"},
		{"in", func() { Conv2D(buf, buf[:31], buf, nil, nil, good) }, "length of in"},
		{"filter", func() { Conv2D(buf, buf, buf[:53], nil, nil, good) }, "length of filter"},
		{"bias", func() { Conv2D(buf, buf, buf, buf[:2], nil, good) }, "length of bias"},
		{"out", func() { Conv2D(buf[:47], buf, buf, nil, nil, good) }, "length of out"},
		{"res", func() { Conv2D(buf, buf, buf, nil, buf[:47], good) }, "length of res"},
		{"outpix 3x3", func() { s := good; s.OutPix = 4; Conv2D(buf, buf, buf, nil, nil, s) }, "OutPix"},
		{"outpix small", func() {
			s := ConvSpec{H: 4, W: 4, Cin: 2, KH: 1, KW: 1, Cout: 3, Stride: 1, OutPix: 2}
			Conv2D(buf, buf, buf, nil, nil, s)
		}, "OutPix"},
		{"outpix res", func() {
			s := ConvSpec{H: 4, W: 4, Cin: 2, KH: 1, KW: 1, Cout: 3, Stride: 1, OutPix: 4}
			Conv2D(buf, buf, buf, nil, buf, s)
		}, "residual"},
	})
	// VALID with a filter larger than the input: an empty output.
	Conv2D(nil, buf, buf, nil, nil, ConvSpec{H: 2, W: 2, Cin: 1, KH: 3, KW: 3, Cout: 1, Stride: 1, Pad: Valid})
}

func TestConv2DAllocs(t *testing.T) {
	s := ConvSpec{H: 32, W: 32, Cin: 16, KH: 3, KW: 3, Cout: 32, Stride: 1, Pad: Same, Act: ActReLU}
	oh, ow, _, _ := s.Output()
	in, filter := make([]float32, s.H*s.W*s.Cin), make([]float32, 9*s.Cin*s.Cout)
	bias, out := make([]float32, s.Cout), make([]float32, oh*ow*s.Cout)
	for _, th := range []int{1, 2} {
		prev := SetThreads(th)
		f := func() { Conv2D(out, in, filter, bias, out, s) }
		f()
		if n := testing.AllocsPerRun(10, f); n > 0 {
			t.Errorf("threads=%d: %v allocations per call", th, n)
		}
		SetThreads(prev)
	}
}

// FuzzConv2D derives a convolution from the input and checks every level
// against the direct reference.
func FuzzConv2D(f *testing.F) {
	f.Add([]byte{5, 7, 3, 3, 3, 8, 1, 1, 0})
	f.Add([]byte{12, 9, 16, 1, 1, 33, 0, 0, 7})
	f.Add([]byte{3, 2, 1, 5, 5, 1, 2, 1, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		get := fuzzByte(data)
		s := ConvSpec{H: 1 + get(0)%24, W: 1 + get(1)%24, Cin: 1 + get(2)%40,
			KH: 1 + get(3)%7, KW: 1 + get(4)%7, Cout: 1 + get(5)%72,
			Stride: 1 + get(6)%3, Pad: Padding(get(7) % 2), Act: Activation(get(8) % 3)}
		if oh, ow, _, _ := s.Output(); oh*ow == 0 {
			return
		}
		fl := get(8) / 3
		c := convCase{s: s, bias: fl&1 == 1, res: (fl >> 1) % 3, outExtra: 3}
		defer SetThreads(SetThreads(1 + (fl>>3)%2))
		for _, l := range asm.Levels() {
			prev, err := asm.SetISA(l)
			if err != nil {
				t.Fatal(err)
			}
			runConvCase(t, rand.New(rand.NewPCG(uint64(get(9)), 1)), c)
			asm.SetISA(prev)
		}
	})
}

// TestConv2DPackedLevels packs a filter at the default level and runs it at
// every level (another level falls back to the filter itself), with one and
// two threads giving the same bits; it checks the shape guard and that warm
// calls allocate nothing.
func TestConv2DPackedLevels(t *testing.T) {
	s := ConvSpec{H: 4, W: 4, Cin: 64, KH: 3, KW: 3, Cout: 80, Stride: 1, Pad: Same, Act: ActReLU}
	rng := rand.New(rand.NewPCG(15, 16))
	oh, ow, _, _ := s.Output()
	in, filter, bias := randSlice(rng, s.H*s.W*s.Cin), randSlice(rng, 9*s.Cin*s.Cout), randSlice(rng, s.Cout)
	res := randSlice(rng, oh*ow*s.Cout)
	pf := PackConvFilter(filter, s)
	if pf.Bytes() < 4*len(filter) {
		t.Fatalf("Bytes() = %d, want at least %d", pf.Bytes(), 4*len(filter))
	}
	want, mag := naiveConv(s, in, filter, bias, res)
	isatest.ForEach(t, func(t *testing.T) {
		var outs [2][]float32
		for i, th := range []int{1, 2} {
			prev := SetThreads(th)
			outs[i] = make([]float32, oh*ow*s.Cout)
			Conv2DPacked(outs[i], in, pf, bias, res, s)
			if n := testing.AllocsPerRun(5, func() { Conv2DPacked(outs[i], in, pf, bias, res, s) }); n > 0 {
				t.Errorf("threads=%d: %v allocations per call", th, n)
			}
			SetThreads(prev)
		}
		for i := range outs[0] {
			if d := math.Abs(float64(outs[0][i]) - want[i]); !(d <= gemmTol(9*s.Cin+2, mag[i])) {
				t.Fatalf("out[%d] = %v, want %v", i, outs[0][i], want[i])
			}
			if math.Float32bits(outs[0][i]) != math.Float32bits(outs[1][i]) {
				t.Fatalf("out[%d] = %v with 1 thread, %v with 2", i, outs[0][i], outs[1][i])
			}
		}
	})
	defer func() {
		if r, _ := recover().(string); !strings.Contains(r, "kernels: Conv2DPacked: filter shape") {
			t.Fatalf("panic %q, want the filter shape message", r)
		}
	}()
	bad := s
	bad.Cin = 32
	Conv2DPacked(make([]float32, oh*ow*s.Cout), in, pf, nil, nil, bad)
}

// TestConv2DOutPix checks that a 1x1 convolution with a pixel stride past
// Cout (OutPix) writes each pixel's channels as the dense convolution does,
// bit for bit, and leaves the gaps alone, plain and packed, at every level
// and thread count.
func TestConv2DOutPix(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, sh := range [][4]int{{14, 14, 64, 512}, {7, 7, 40, 1024}, {5, 3, 7, 33}, {1, 1, 16, 256}, {28, 28, 16, 256}} {
			s := ConvSpec{H: sh[0], W: sh[1], Cin: sh[2], KH: 1, KW: 1, Cout: sh[3], Stride: 1, Act: ActReLU6}
			in := make([]float32, s.H*s.W*s.Cin)
			filter := make([]float32, s.Cin*s.Cout)
			bias := make([]float32, s.Cout)
			for _, x := range [][]float32{in, filter, bias} {
				isatest.Fill(rng, x, 0)
			}
			m := s.H * s.W
			want := make([]float32, m*s.Cout)
			Conv2D(want, in, filter, bias, nil, s)
			for _, gap := range []int{1, 16} {
				ps := s
				ps.OutPix = s.Cout + gap
				pf := PackConvFilter(filter, ps)
				for _, th := range []int{1, 2} {
					for _, packed := range []bool{false, true} {
						func() {
							defer SetThreads(SetThreads(th))
							out := make([]float32, (m-1)*ps.OutPix+s.Cout)
							for i := range out {
								out[i] = isatest.Sentinel
							}
							if packed {
								Conv2DPacked(out, in, pf, bias, nil, ps)
							} else {
								Conv2D(out, in, filter, bias, nil, ps)
							}
							for p := range m {
								for c := range ps.OutPix {
									i := p*ps.OutPix + c
									if i >= len(out) {
										break
									}
									v := out[i]
									if c >= s.Cout {
										if math.Float32bits(v) != math.Float32bits(isatest.Sentinel) {
											t.Fatalf("%v gap %d: pixel %d gap element %d written", sh, gap, p, c)
										}
										continue
									}
									if math.Float32bits(v) != math.Float32bits(want[p*s.Cout+c]) {
										t.Fatalf("%v gap %d threads %d packed %v: pixel %d channel %d = %v, dense %v", sh, gap, th, packed, p, c, v, want[p*s.Cout+c])
									}
								}
							}
						}()
					}
				}
			}
		}
	})
}

// fuzzByte returns byte i of data as an int, 0 past its end.
func fuzzByte(data []byte) func(i int) int {
	return func(i int) int {
		if i < len(data) {
			return int(data[i])
		}
		return 0
	}
}
