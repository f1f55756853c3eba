package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

// Helpers shared by the depthwise, pool, eltwise, resize and warp tests are
// prefixed kt to stay clear of the rest of the package's tests.

const ktU = 0x1p-24 // float32 unit roundoff

// ktSentinel is the NaN written around outputs; any other value found there
// means a kernel wrote out of bounds.
var ktSentinel = math.Float32frombits(0x7fc0dead)

// ktGuarded returns a slice of n elements at element offset off in a buffer
// whose other elements hold ktSentinel, and a check that they still do.
func ktGuarded(n, off int) ([]float32, func(t testing.TB)) {
	const pad = 19
	buf := make([]float32, off+n+pad)
	for i := range buf {
		buf[i] = ktSentinel
	}
	s := buf[off : off+n : off+n]
	return s, func(t testing.TB) {
		t.Helper()
		for i, v := range buf {
			if i >= off && i < off+n {
				continue
			}
			if math.Float32bits(v) != math.Float32bits(ktSentinel) {
				t.Fatalf("guard at buffer index %d (slice at %d, len %d) overwritten: %v", i, off, n, v)
			}
		}
	}
}

// ktReadOnly returns a check that s still holds its current contents.
func ktReadOnly(s []float32) func(t testing.TB, name string) {
	c := append([]float32(nil), s...)
	return func(t testing.TB, name string) {
		t.Helper()
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(s[i]) {
				t.Fatalf("%s[%d] modified: %v -> %v", name, i, c[i], s[i])
			}
		}
	}
}

// ktFill returns n values in [-1, 1) at element offset off of a fresh
// buffer (so that SIMD loads start unaligned).
func ktFill(r *rand.Rand, n, off int) []float32 {
	buf := make([]float32, off+n)
	for i := range buf {
		buf[i] = 2*r.Float32() - 1
	}
	return buf[off:]
}

// ktClose reports whether got matches the float64 reference want within
// tol times mag (the sum of the magnitudes of the terms that made want),
// treating NaN and infinities exactly.
func ktClose(got float32, want, mag, tol float64) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want):
		return math.IsNaN(g)
	case math.IsInf(want, 0) || math.IsNaN(g) || math.IsInf(g, 0):
		return g == want
	}
	return math.Abs(g-want) <= tol*mag+0x1p-140
}

// ktAct applies act in float64, propagating NaN.
func ktAct(v float64, act kernels.Activation) float64 {
	if math.IsNaN(v) {
		return v
	}
	switch act {
	case kernels.ActReLU:
		return math.Max(v, 0)
	case kernels.ActReLU6:
		return math.Min(math.Max(v, 0), 6)
	}
	return v
}

// ktSamePad computes TensorFlow's output size and padding before, written
// independently of the package.
func ktSamePad(in, k, s int, same bool) (out, before int) {
	if !same {
		if in < k {
			return 0, 0
		}
		return int(math.Ceil(float64(in-k+1) / float64(s))), 0
	}
	out = int(math.Ceil(float64(in) / float64(s)))
	total := (out-1)*s + k - in
	if total < 0 {
		total = 0
	}
	return out, total / 2
}

// refDepthwise is the naive float64 reference; mag receives the sum of
// the magnitudes of each output's terms.
func refDepthwise(in []float32, h, w, c int, filter, bias []float32, stride int, same bool, act kernels.Activation) (out, mag []float64, oh, ow int) {
	oh, pt := ktSamePad(h, 3, stride, same)
	ow, pl := ktSamePad(w, 3, stride, same)
	out = make([]float64, oh*ow*c)
	mag = make([]float64, oh*ow*c)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for ch := 0; ch < c; ch++ {
				var s, m float64
				if bias != nil {
					s = float64(bias[ch])
					m = math.Abs(s)
				}
				for ky := 0; ky < 3; ky++ {
					for kx := 0; kx < 3; kx++ {
						iy, ix := oy*stride+ky-pt, ox*stride+kx-pl
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						p := float64(in[(iy*w+ix)*c+ch]) * float64(filter[(ky*3+kx)*c+ch])
						s += p
						m += math.Abs(p)
					}
				}
				i := (oy*ow+ox)*c + ch
				out[i], mag[i] = ktAct(s, act), m
			}
		}
	}
	return out, mag, oh, ow
}

type dwCase struct {
	h, w, c, stride int
	pad             kernels.Padding
	act             kernels.Activation
	bias            bool
	off             int
}

func (tc dwCase) String() string {
	return fmt.Sprintf("h=%d,w=%d,c=%d,s=%d,%v,%v,bias=%v,off=%d", tc.h, tc.w, tc.c, tc.stride, tc.pad, tc.act, tc.bias, tc.off)
}

// checkDepthwise runs one case at the current level against the reference.
func checkDepthwise(t testing.TB, r *rand.Rand, tc dwCase, nanAt int) {
	t.Helper()
	in := ktFill(r, tc.h*tc.w*tc.c, tc.off)
	filter := ktFill(r, 9*tc.c, (tc.off+3)%16)
	var bias []float32
	if tc.bias {
		bias = ktFill(r, tc.c, (tc.off+5)%16)
	}
	if nanAt >= 0 && len(in) > 0 {
		in[nanAt%len(in)] = float32(math.NaN())
	}
	want, mag, oh, ow := refDepthwise(in, tc.h, tc.w, tc.c, filter, bias, tc.stride, tc.pad == kernels.Same, tc.act)
	if goh, gow := kernels.DepthwiseOutput(tc.h, tc.w, tc.stride, tc.pad); goh != oh || gow != ow {
		t.Fatalf("%v: DepthwiseOutput = %d,%d, want %d,%d", tc, goh, gow, oh, ow)
	}
	out, guard := ktGuarded(oh*ow*tc.c, tc.off)
	roIn, roF, roB := ktReadOnly(in), ktReadOnly(filter), ktReadOnly(bias)
	kernels.DepthwiseConv2D3x3(out, in, tc.h, tc.w, tc.c, filter, bias, tc.stride, tc.pad, tc.act)
	if t.Failed() {
		return
	}
	defer func() {
		if t.Failed() {
			t.Logf("case %v", tc)
		}
	}()
	guard(t)
	roIn(t, "in")
	roF(t, "filter")
	roB(t, "bias")
	for i := range want {
		if !ktClose(out[i], want[i], mag[i], 16*ktU) {
			px, ch := i/tc.c, i%tc.c
			t.Fatalf("%v: out[y=%d,x=%d,c=%d] = %v, want %v", tc, px/ow, px%ow, ch, out[i], want[i])
		}
	}
}

func TestDepthwiseConv2D3x3(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		acts := []kernels.Activation{kernels.ActNone, kernels.ActReLU, kernels.ActReLU6}
		n := 0
		// Every small spatial size and stride/padding combination, channel
		// counts around the AVX2 and AVX-512 widths.
		for _, stride := range []int{1, 2} {
			for _, pad := range []kernels.Padding{kernels.Valid, kernels.Same} {
				for h := 1; h <= 6; h++ {
					for w := 1; w <= 21; w++ {
						for _, c := range []int{1, 3, 8, 16, 17, 35} {
							n++
							checkDepthwise(t, r, dwCase{h, w, c, stride, pad, acts[n%3], n%4 != 0, n % 17}, -1)
						}
					}
				}
			}
		}
		// Every channel count to 2x the widest vector plus one, and the
		// models' channel counts.
		for c := 1; c <= 33; c++ {
			for _, stride := range []int{1, 2} {
				n++
				checkDepthwise(t, r, dwCase{7, 12, c, stride, kernels.Same, acts[n%3], true, n % 13}, -1)
			}
		}
		for _, c := range []int{24, 28, 36, 42, 48, 64, 88, 96, 128} {
			n++
			checkDepthwise(t, r, dwCase{9, 19, c, 1 + n%2, kernels.Padding(n % 2), acts[n%3], true, n % 7}, -1)
		}
		// Larger odd shapes.
		checkDepthwise(t, r, dwCase{33, 47, 24, 2, kernels.Same, kernels.ActReLU, true, 1}, -1)
		checkDepthwise(t, r, dwCase{32, 32, 40, 1, kernels.Same, kernels.ActNone, false, 0}, -1)
	})
}

func TestDepthwiseNaN(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for i, act := range []kernels.Activation{kernels.ActNone, kernels.ActReLU, kernels.ActReLU6} {
			for _, at := range []int{0, 5, 99, 413} {
				checkDepthwise(t, r, dwCase{5, 11, 19, 1 + i%2, kernels.Same, act, true, 3}, at)
			}
		}
	})
}

func TestDepthwisePanics(t *testing.T) {
	in := make([]float32, 4*4*2)
	f := make([]float32, 18)
	out := make([]float32, 4*4*2)
	for name, fn := range map[string]func(){
		"stride":      func() { kernels.DepthwiseConv2D3x3(out, in, 4, 4, 2, f, nil, 3, kernels.Same, kernels.ActNone) },
		"negative":    func() { kernels.DepthwiseConv2D3x3(out, in, -1, 4, 2, f, nil, 1, kernels.Same, kernels.ActNone) },
		"short in":    func() { kernels.DepthwiseConv2D3x3(out, in[:31], 4, 4, 2, f, nil, 1, kernels.Same, kernels.ActNone) },
		"short out":   func() { kernels.DepthwiseConv2D3x3(out[:31], in, 4, 4, 2, f, nil, 1, kernels.Same, kernels.ActNone) },
		"short f":     func() { kernels.DepthwiseConv2D3x3(out, in, 4, 4, 2, f[:17], nil, 1, kernels.Same, kernels.ActNone) },
		"short bias":  func() { kernels.DepthwiseConv2D3x3(out, in, 4, 4, 2, f, f[:1], 1, kernels.Same, kernels.ActNone) },
		"padding":     func() { kernels.DepthwiseConv2D3x3(out, in, 4, 4, 2, f, nil, 1, 7, kernels.ActNone) },
		"activation":  func() { kernels.DepthwiseConv2D3x3(out, in, 4, 4, 2, f, nil, 1, kernels.Same, 9) },
		"window":      func() { kernels.WindowOutput(4, 0, 1, kernels.Same) },
		"window size": func() { kernels.WindowOutput(-1, 3, 1, kernels.Same) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}

func TestDepthwiseNoAlloc(t *testing.T) {
	if devdata.Race {
		t.Skip("allocation counts are meaningless under -race")
	}
	const h, w, c = 16, 16, 24
	in, f, b := make([]float32, h*w*c), make([]float32, 9*c), make([]float32, c)
	out := make([]float32, h*w*c)
	if n := testing.AllocsPerRun(10, func() {
		kernels.DepthwiseConv2D3x3(out, in, h, w, c, f, b, 1, kernels.Same, kernels.ActReLU)
		kernels.DepthwiseConv2D3x3(out, in, h, w, c, f, b, 2, kernels.Same, kernels.ActReLU6)
	}); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

// FuzzDepthwise checks every level against the reference on shapes and
// parameters read from the fuzzer's bytes.
func FuzzDepthwise(f *testing.F) {
	f.Add(uint8(5), uint8(7), uint8(17), uint8(0), uint64(1))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(3), uint64(2))
	f.Add(uint8(16), uint8(9), uint8(33), uint8(0x1f), uint64(3))
	f.Add(uint8(2), uint8(30), uint8(8), uint8(0x0a), uint64(4))
	f.Fuzz(func(t *testing.T, h, w, c, flags uint8, seed uint64) {
		tc := dwCase{
			h: int(h%40) + 1, w: int(w%40) + 1, c: int(c%100) + 1,
			stride: 1 + int(flags&1), pad: kernels.Padding(flags >> 1 & 1),
			act: kernels.Activation(flags >> 2 % 3), bias: flags&16 == 0, off: int(seed % 16),
		}
		nanAt := -1
		if flags&32 != 0 {
			nanAt = int(seed >> 8)
		}
		prev := asm.ISA()
		defer asm.SetISA(prev)
		for _, l := range asm.Levels() {
			if _, err := asm.SetISA(l); err != nil {
				t.Fatal(err)
			}
			checkDepthwise(t, rand.New(rand.NewPCG(seed, 9)), tc, nanAt)
		}
	})
}

// TestDepthwiseRows checks that every band of output rows matches the whole
// convolution, bit for bit.
func TestDepthwiseRows(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, s := range [][4]int{{9, 7, 19, 1}, {10, 12, 16, 2}, {11, 5, 3, 2}, {1, 6, 8, 1}, {6, 1, 5, 1}} {
			h, w, c, stride := s[0], s[1], s[2], s[3]
			for _, pad := range []kernels.Padding{kernels.Valid, kernels.Same} {
				in := ktFill(r, h*w*c, 1)
				f := ktFill(r, 9*c, 2)
				b := ktFill(r, c, 3)
				oh, ow := kernels.DepthwiseOutput(h, w, stride, pad)
				full := make([]float32, oh*ow*c)
				kernels.DepthwiseConv2D3x3(full, in, h, w, c, f, b, stride, pad, kernels.ActReLU6)
				for y0 := 0; y0 <= oh; y0++ {
					for y1 := y0; y1 <= oh; y1++ {
						out, guard := ktGuarded((y1-y0)*ow*c, 5)
						kernels.DepthwiseConv2D3x3Rows(out, in, h, w, c, f, b, stride, pad, kernels.ActReLU6, y0, y1)
						guard(t)
						for i, v := range out {
							if math.Float32bits(v) != math.Float32bits(full[y0*ow*c+i]) {
								t.Fatalf("%v %v rows [%d,%d): out[%d] = %v, whole %v", s, pad, y0, y1, i, v, full[y0*ow*c+i])
							}
						}
					}
				}
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%v: rows past the output: no panic", s)
						}
					}()
					kernels.DepthwiseConv2D3x3Rows(full, in, h, w, c, f, b, stride, pad, kernels.ActNone, 0, oh+1)
				}()
			}
		}
	})
}

// TestDepthwiseRowsPix checks DepthwiseConv2D3x3RowsPix on inputs with
// padded pixels (NaN in the padding, which must not be read): at
// DepthwisePixelStride's stride bit for bit against the dense call (an
// executor may pick either), at others against the float64 reference (a
// level may run them on other code). Many channels (the
// channels-innermost kernels), few, and narrow inputs (the border pixel
// path).
func TestDepthwiseRowsPix(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(33, 34))
		for _, s := range [][4]int{{6, 7, 256, 1}, {7, 9, 512, 2}, {5, 5, 130, 1}, {9, 7, 19, 1}, {4, 2, 144, 2}, {2, 1, 256, 1}} {
			h, w, c, stride := s[0], s[1], s[2], s[3]
			for _, pix := range []int{c, c + 1, c + 16, kernels.DepthwisePixelStride(c)} {
				for _, pad := range []kernels.Padding{kernels.Valid, kernels.Same} {
					dense := ktFill(r, h*w*c, 1)
					in := make([]float32, (h*w-1)*pix+c)
					for i := range in {
						in[i] = float32(math.NaN())
					}
					for i := range h * w {
						copy(in[i*pix:i*pix+c], dense[i*c:(i+1)*c])
					}
					ro := ktReadOnly(in)
					f := ktFill(r, 9*c, 2)
					b := ktFill(r, c, 3)
					oh, ow := kernels.DepthwiseOutput(h, w, stride, pad)
					want := make([]float32, oh*ow*c)
					kernels.DepthwiseConv2D3x3(want, dense, h, w, c, f, b, stride, pad, kernels.ActReLU6)
					ref, mag, _, _ := refDepthwise(dense, h, w, c, f, b, stride, pad == kernels.Same, kernels.ActReLU6)
					exact := pix == c || pix == kernels.DepthwisePixelStride(c)
					for y0 := 0; y0 < oh; y0++ {
						y1 := min(oh, y0+1+r.IntN(oh))
						out, guard := ktGuarded((y1-y0)*ow*c, 3)
						kernels.DepthwiseConv2D3x3RowsPix(out, in, h, w, c, pix, f, b, stride, pad, kernels.ActReLU6, y0, y1)
						guard(t)
						ro(t, "in")
						for i, v := range out {
							j := y0*ow*c + i
							if exact && math.Float32bits(v) != math.Float32bits(want[j]) {
								t.Fatalf("%v pix %d %v rows [%d,%d): out[%d] = %v, dense %v", s, pix, pad, y0, y1, i, v, want[j])
							}
							if !exact && !ktClose(v, ref[j], mag[j], 16*ktU) {
								t.Fatalf("%v pix %d %v rows [%d,%d): out[%d] = %v, want %v", s, pix, pad, y0, y1, i, v, ref[j])
							}
						}
					}
				}
			}
		}
	})
}
