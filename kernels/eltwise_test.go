package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

// ktSpecials are values every elementwise kernel must get right.
var ktSpecials = []float32{0, float32(math.Copysign(0, -1)), 1, -1, 6, 6.5, -7, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0x1p-140, 3e38}

func TestAddAndActivations(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for n := 0; n <= 70; n++ {
			for _, act := range []kernels.Activation{kernels.ActNone, kernels.ActReLU, kernels.ActReLU6} {
				a := ktFill(r, n, n%5)
				b := ktFill(r, n, n%7)
				for i := range a {
					if r.IntN(4) == 0 {
						a[i] = 7 * ktSpecials[r.IntN(len(ktSpecials))]
					}
				}
				out, guard := ktGuarded(n, n%3)
				roA, roB := ktReadOnly(a), ktReadOnly(b)
				kernels.Add(out, a, b, act)
				guard(t)
				roA(t, "a")
				roB(t, "b")
				for i := range out {
					want := ktAct(float64(a[i])+float64(b[i]), act)
					if !ktClose(out[i], want, math.Abs(float64(a[i]))+math.Abs(float64(b[i])), ktU) && !(math.IsInf(float64(out[i]), 0) && math.Abs(want) > math.MaxFloat32) {
						t.Fatalf("Add n=%d %v: out[%d] = %v, want %v (a=%v b=%v)", n, act, i, out[i], want, a[i], b[i])
					}
				}
				// In place.
				c := append([]float32(nil), a...)
				kernels.Add(c, c, b, act)
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(out[i]) {
						t.Fatalf("Add in place n=%d: %v != %v", n, c[i], out[i])
					}
				}
			}
			x := ktFill(r, n, n%4)
			for i := range x {
				if r.IntN(3) == 0 {
					x[i] = 5 * ktSpecials[r.IntN(len(ktSpecials))]
				}
			}
			for _, act := range []kernels.Activation{kernels.ActReLU, kernels.ActReLU6} {
				out, guard := ktGuarded(n, n%3)
				if act == kernels.ActReLU {
					kernels.ReLU(out, x)
				} else {
					kernels.ReLU6(out, x)
				}
				guard(t)
				for i := range out {
					if want := ktAct(float64(x[i]), act); !ktClose(out[i], want, 0, 0) {
						t.Fatalf("%v n=%d: out[%d] = %v, want %v", act, n, i, out[i], want)
					}
				}
			}
		}
	})
}

func TestMeanAndPadChannels(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, s := range [][3]int{{1, 1, 1}, {1, 1, 17}, {2, 3, 5}, {7, 7, 1024}, {4, 4, 256}, {3, 5, 33}} {
			h, w, c := s[0], s[1], s[2]
			in := ktFill(r, h*w*c, c%9)
			out, guard := ktGuarded(c, 3)
			kernels.Mean(out, in, h, w, c)
			guard(t)
			for ch := 0; ch < c; ch++ {
				var sum, mag float64
				for p := 0; p < h*w; p++ {
					v := float64(in[p*c+ch])
					sum += v
					mag += math.Abs(v)
				}
				n := float64(h * w)
				if !ktClose(out[ch], sum/n, mag/n, float64(h*w+2)*ktU) {
					t.Fatalf("Mean %v: out[%d] = %v, want %v", s, ch, out[ch], sum/n)
				}
			}
			for _, c2 := range []int{c, c + 1, c + 13} {
				pout, guard := ktGuarded(h*w*c2, 1)
				kernels.PadChannels(pout, in, h*w, c, c2)
				guard(t)
				for p := 0; p < h*w; p++ {
					for ch := 0; ch < c2; ch++ {
						want := float32(0)
						if ch < c {
							want = in[p*c+ch]
						}
						if got := pout[p*c2+ch]; got != want || (ch >= c && math.Signbit(float64(got))) {
							t.Fatalf("PadChannels %v->%d: [%d,%d] = %v, want %v", s, c2, p, ch, got, want)
						}
					}
				}
			}
		}
	})
}

func TestEltwisePanics(t *testing.T) {
	x := make([]float32, 8)
	for name, fn := range map[string]func(){
		"add len":     func() { kernels.Add(x, x, x[:7], kernels.ActNone) },
		"add out":     func() { kernels.Add(x[:7], x, x, kernels.ActNone) },
		"add act":     func() { kernels.Add(x, x, x, 5) },
		"relu out":    func() { kernels.ReLU(x[:7], x) },
		"relu6 out":   func() { kernels.ReLU6(x[:7], x) },
		"mean empty":  func() { kernels.Mean(x, x, 0, 2, 2) },
		"mean short":  func() { kernels.Mean(x, x, 3, 3, 1) },
		"pad c2":      func() { kernels.PadChannels(x, x, 2, 3, 2) },
		"pad short":   func() { kernels.PadChannels(x, x, 2, 3, 5) },
		"pool stride": func() { kernels.MaxPool(x, x, 2, 2, 2, 2, 2, 0, 1, kernels.Valid) },
		"pool short":  func() { kernels.AvgPool(x, x[:7], 2, 2, 2, 1, 1, 1, 1, kernels.Valid) },
		"pool out":    func() { kernels.MaxPool(x[:7], x, 2, 2, 2, 1, 1, 1, 1, kernels.Same) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", name)
				} else if s, ok := r.(string); !ok || len(s) < 9 || s[:9] != "kernels: " {
					t.Errorf("%s: panic %v, want a kernels: message", name, r)
				}
			}()
			fn()
		}()
	}
}

// BenchmarkEltwise runs the residual add with ReLU and a ReLU6 over
// BlazeFace's largest activation (128x128x24).
func BenchmarkEltwise(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const n = 128 * 128 * 24
	x, y, out := ktFill(r, n, 0), ktFill(r, n, 0), make([]float32, n)
	isatest.ForEachB(b, func(b *testing.B) {
		b.Run("add-relu", func(b *testing.B) {
			b.SetBytes(3 * 4 * n)
			b.ReportAllocs()
			for b.Loop() {
				kernels.Add(out, x, y, kernels.ActReLU)
			}
		})
		b.Run("relu6", func(b *testing.B) {
			b.SetBytes(2 * 4 * n)
			b.ReportAllocs()
			for b.Loop() {
				kernels.ReLU6(out, x)
			}
		})
	})
}
