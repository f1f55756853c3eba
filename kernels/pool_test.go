package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
)

// refPool is the naive float64 max or average pooling reference.
func refPool(in []float32, h, w, c, kh, kw, sh, sw int, same, avg bool) (out, mag []float64, oh, ow int) {
	oh, pt := ktSamePad(h, kh, sh, same)
	ow, pl := ktSamePad(w, kw, sw, same)
	out = make([]float64, oh*ow*c)
	mag = make([]float64, oh*ow*c)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for ch := 0; ch < c; ch++ {
				s, m, n := math.Inf(-1), 0.0, 0
				if avg {
					s = 0
				}
				nan := false
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						iy, ix := oy*sh+ky-pt, ox*sw+kx-pl
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						v := float64(in[(iy*w+ix)*c+ch])
						nan = nan || math.IsNaN(v)
						n++
						if avg {
							s += v
							m += math.Abs(v)
						} else {
							s = math.Max(s, v)
							m = math.Abs(s)
						}
					}
				}
				if avg {
					s /= float64(n)
					m /= float64(n)
				}
				if nan {
					s = math.NaN()
				}
				i := (oy*ow+ox)*c + ch
				out[i], mag[i] = s, m
			}
		}
	}
	return out, mag, oh, ow
}

func TestPool(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		n := 0
		for _, avg := range []bool{false, true} {
			for _, win := range [][4]int{{2, 2, 2, 2}, {3, 3, 2, 2}, {3, 3, 1, 1}, {1, 1, 1, 1}, {2, 3, 1, 2}, {3, 2, 3, 1}} {
				for _, pad := range []kernels.Padding{kernels.Valid, kernels.Same} {
					for h := 1; h <= 7; h++ {
						for w := 1; w <= 9; w++ {
							for _, c := range []int{1, 5, 16, 19, 40} {
								n++
								if n%3 != 0 && c > 5 { // thin the big channel counts
									continue
								}
								checkPool(t, r, h, w, c, win, pad, avg, n%11, n%5 == 0)
							}
						}
					}
				}
			}
		}
		checkPool(t, r, 72, 72, 32, [4]int{3, 3, 2, 2}, kernels.Valid, false, 3, false) // dlib's max pool
		checkPool(t, r, 35, 35, 64, [4]int{2, 2, 2, 2}, kernels.Valid, true, 1, false)  // dlib's residual_down
		checkPool(t, r, 64, 64, 24, [4]int{2, 2, 2, 2}, kernels.Same, false, 0, true)   // BlazeFace
	})
}

func checkPool(t *testing.T, r *rand.Rand, h, w, c int, win [4]int, pad kernels.Padding, avg bool, off int, nan bool) {
	t.Helper()
	kh, kw, sh, sw := win[0], win[1], win[2], win[3]
	in := ktFill(r, h*w*c, off)
	if nan {
		in[r.IntN(len(in))] = float32(math.NaN())
	}
	want, mag, oh, ow := refPool(in, h, w, c, kh, kw, sh, sw, pad == kernels.Same, avg)
	out, guard := ktGuarded(oh*ow*c, off)
	ro := ktReadOnly(in)
	if avg {
		kernels.AvgPool(out, in, h, w, c, kh, kw, sh, sw, pad)
	} else {
		kernels.MaxPool(out, in, h, w, c, kh, kw, sh, sw, pad)
	}
	guard(t)
	ro(t, "in")
	for i := range want {
		if !ktClose(out[i], want[i], mag[i], 16*ktU) {
			t.Fatalf("h=%d w=%d c=%d win=%v %v avg=%v: out[%d] = %v, want %v", h, w, c, win, pad, avg, i, out[i], want[i])
		}
	}
}

func TestWindowOutput(t *testing.T) {
	for in := 0; in <= 20; in++ {
		for k := 1; k <= 5; k++ {
			for s := 1; s <= 3; s++ {
				for _, same := range []bool{false, true} {
					pad := kernels.Valid
					if same {
						pad = kernels.Same
					}
					wo, wb := ktSamePad(in, k, s, same)
					o, b := kernels.WindowOutput(in, k, s, pad)
					if o != wo || b != wb {
						t.Errorf("WindowOutput(%d, %d, %d, %v) = %d, %d; want %d, %d", in, k, s, pad, o, b, wo, wb)
					}
				}
			}
		}
	}
	// TensorFlow's asymmetric SAME: stride 2 on an even input pads only after.
	if o, b := kernels.WindowOutput(128, 3, 2, kernels.Same); o != 64 || b != 0 {
		t.Errorf("128/3/2 SAME = %d, %d; want 64, 0", o, b)
	}
	if o, b := kernels.WindowOutput(129, 3, 2, kernels.Same); o != 65 || b != 1 {
		t.Errorf("129/3/2 SAME = %d, %d; want 65, 1", o, b)
	}
}

func TestPoolNoAlloc(t *testing.T) {
	if devdata.Race {
		t.Skip("allocation counts are meaningless under -race")
	}
	in, out := make([]float32, 16*16*8), make([]float32, 16*16*8)
	if n := testing.AllocsPerRun(10, func() {
		kernels.MaxPool(out, in, 16, 16, 8, 2, 2, 2, 2, kernels.Same)
		kernels.AvgPool(out, in, 16, 16, 8, 3, 3, 1, 1, kernels.Same)
	}); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

// BenchmarkPool runs the models' pooling layers: BlazeFace's 2x2 stride 2
// SAME max pool, dlib's 3x3 stride 2 VALID max pool and 2x2 average pool.
func BenchmarkPool(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	var cases []func(b *testing.B)
	for _, tc := range []struct {
		name          string
		h, w, c, k, s int
		avg           bool
		pad           kernels.Padding
	}{
		{"max2x2s2/h=128,c=24", 128, 128, 24, 2, 2, false, kernels.Same},
		{"max3x3s2/h=72,c=32", 72, 72, 32, 3, 2, false, kernels.Valid},
		{"avg2x2s2/h=35,c=64", 35, 35, 64, 2, 2, true, kernels.Valid},
	} {
		in := ktFill(r, tc.h*tc.w*tc.c, 0)
		out := make([]float32, tc.h*tc.w*tc.c)
		cases = append(cases, func(b *testing.B) {
			b.Run(tc.name, func(b *testing.B) {
				b.SetBytes(int64(4 * len(in)))
				b.ReportAllocs()
				done := ktPerCPU(b)
				for b.Loop() {
					if tc.avg {
						kernels.AvgPool(out, in, tc.h, tc.w, tc.c, tc.k, tc.k, tc.s, tc.s, tc.pad)
					} else {
						kernels.MaxPool(out, in, tc.h, tc.w, tc.c, tc.k, tc.k, tc.s, tc.s, tc.pad)
					}
				}
				done(float64(4*len(in))*float64(b.N)/1e9, "GB/cpu-s")
			})
		})
	}
	isatest.ForEachB(b, func(b *testing.B) {
		for _, c := range cases {
			c(b)
		}
	})
}
