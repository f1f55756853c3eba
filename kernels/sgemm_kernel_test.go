package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// TestSgemmMicroKernels checks every micro-kernel of every level directly
// against a float64 reference: packed and (for strided kernels) row-major
// A, beta zero over NaN and non-zero, every epilogue combination, partial
// tiles (for kernels that take them), and that every element of C outside
// the tile (or its valid part) stays untouched.
func TestSgemmMicroKernels(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, uint64(asm.ISA())))
		for _, kn := range asm.SgemmKernelsFor(asm.ISA()) {
			t.Run(kn.Name, func(t *testing.T) {
				for _, k := range []int{1, 2, 3, 7, 33, 100} {
					for rep := range 12 {
						checkMicroKernel(t, rng, kn, k, rep)
					}
				}
			})
		}
	})
}

func checkMicroKernel(t *testing.T, rng *rand.Rand, kn asm.SgemmKernel, k, rep int) {
	t.Helper()
	mr, nr := kn.MR, kn.NR
	// A: packed (rsa 1, csa MR) or, for strided kernels, row-major with a
	// padded row.
	rsa, csa := 1, mr
	if kn.Strided && rep%2 == 1 {
		rsa, csa = k+3, 1
	}
	a := randSlice(rng, (mr-1)*rsa+(k-1)*csa+1)
	b := randSlice(rng, k*nr)
	ldc := nr + 5
	c := make([]float32, (mr-1)*ldc+nr+7)
	for i := range c {
		c[i] = gemmSentinel
	}
	beta := []float32{0, 1, -0.5}[rep%3]
	for i := range mr {
		for j := range nr {
			if beta == 0 {
				c[i*ldc+j] = float32(math.NaN())
			} else {
				c[i*ldc+j] = float32(rng.Float64()*2 - 1)
			}
		}
	}
	var ep *asm.SgemmEpilogue
	var bias, res []float32
	ldr := nr + 2
	if rep >= 3 {
		ep = &asm.SgemmEpilogue{Lo: -0.25, Hi: 0.5, Clamp: rep%4 == 0, LdRes: ldr}
		if rep%2 == 0 || rep >= 9 {
			bias = randSlice(rng, nr)
			ep.Bias = &bias[0]
		}
		if rep%3 != 0 || rep >= 9 {
			res = randSlice(rng, (mr-1)*ldr+nr)
			ep.Res = &res[0]
		}
	}
	mt, nt := mr, nr
	if kn.Partial && rep >= 6 {
		mt, nt = 1+rng.IntN(mr), 1+rng.IntN(nr)
	}
	before := append([]float32(nil), c...)
	kn.RunPartial(k, a, rsa, csa, b, nr, c, ldc, beta, ep, mt, nt)
	for i := range mt {
		for j := range nt {
			var s, g float64
			for p := range k {
				x := float64(a[i*rsa+p*csa]) * float64(b[p*nr+j])
				s += x
				g += math.Abs(x)
			}
			if beta != 0 {
				x := float64(beta) * float64(before[i*ldc+j])
				s += x
				g += math.Abs(x)
			}
			if bias != nil {
				s += float64(bias[j])
				g += math.Abs(float64(bias[j]))
			}
			if res != nil {
				s += float64(res[i*ldr+j])
				g += math.Abs(float64(res[i*ldr+j]))
			}
			if ep != nil && ep.Clamp {
				s = math.Min(math.Max(s, float64(ep.Lo)), float64(ep.Hi))
			}
			got := c[i*ldc+j]
			if d := math.Abs(float64(got) - s); !(d <= gemmTol(k+3, g)) {
				t.Fatalf("k=%d rep=%d (rsa=%d, beta=%v, ep=%+v): C[%d][%d] = %v, want %v", k, rep, rsa, beta, ep, i, j, got, s)
			}
		}
	}
	for i, v := range c {
		if i%ldc < nt && i/ldc < mt {
			continue
		}
		if math.Float32bits(v) != math.Float32bits(before[i]) {
			t.Fatalf("k=%d rep=%d: C[%d] outside the tile written: %v", k, rep, i, v)
		}
	}
}

// TestSgemmEveryKernel runs Sgemm with each micro-kernel of the level
// forced, on every edge-tile shape, so that tiles the shape heuristic
// rarely picks are covered too.
func TestSgemmEveryKernel(t *testing.T) {
	defer SetThreads(SetThreads(1))
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(22, uint64(asm.ISA())))
		for _, kn := range asm.SgemmKernelsFor(asm.ISA()) {
			t.Run(kn.Name, func(t *testing.T) {
				forceKernel = &kn
				defer func() { forceKernel = nil }()
				for m := 1; m <= 2*kn.MR+1; m += 1 + rng.IntN(3) {
					for n := 1; n <= 2*kn.NR+1; n += 1 + rng.IntN(5) {
						tc := randomFlags(rng, gemmCase{m: m, n: n, k: 1 + rng.IntN(40)})
						runGemmCase(t, rng, tc)
					}
				}
			})
		}
	})
}

// TestSgemmConvMicroKernels checks every convolution micro-kernel against a
// float64 reference: runs of kin taps kout times, A rows rsa apart, every
// epilogue, beta zero over NaN and not, partial tiles, and that C outside
// the valid part of the tile stays untouched.
func TestSgemmConvMicroKernels(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, uint64(asm.ISA())))
		for _, kn := range asm.SgemmConvKernelsFor(asm.ISA()) {
			t.Run(kn.Name, func(t *testing.T) {
				for rep := range 40 {
					mr, nr := kn.MR, kn.NR
					kin, kout := 1+rng.IntN(30), 1+rng.IntN(7)
					rsa := 1 + rng.IntN(8)
					ajump := kin + rng.IntN(50)
					mt, nt := 1+rng.IntN(mr), 1+rng.IntN(nr)
					if rep%3 == 0 {
						mt, nt = mr, nr
					}
					a := randSlice(rng, (mr-1)*rsa+(kout-1)*ajump+kin)
					b := randSlice(rng, kin*kout*nr)
					ldc := nr + rng.IntN(5)
					c := make([]float32, mr*ldc)
					for i := range c {
						c[i] = float32(math.NaN())
					}
					beta := float32(0)
					if rep%2 == 1 {
						beta = 0.5
						for i := range mt {
							for j := range nt {
								c[i*ldc+j] = float32(rng.Float64())
							}
						}
					}
					before := append([]float32(nil), c...)
					var ep *asm.SgemmEpilogue
					var bias, res []float32
					if rep%4 >= 2 {
						bias, res = randSlice(rng, nr), randSlice(rng, mr*nr)
						ep = &asm.SgemmEpilogue{Bias: &bias[0], Res: &res[0], LdRes: nr, Lo: -1, Hi: 1, Clamp: true}
					}
					kn.RunPartial(kin, kout, a, rsa, ajump, b, nr, c, ldc, beta, ep, mt, nt)
					for i := range mr {
						for j := range ldc {
							got := c[i*ldc+j]
							if i >= mt || j >= nt {
								if math.Float32bits(got) != math.Float32bits(before[i*ldc+j]) {
									t.Fatalf("rep %d: C[%d][%d] outside the tile written: %v", rep, i, j, got)
								}
								continue
							}
							var want, mag float64
							for r := range kout {
								for q := range kin {
									pr := float64(a[i*rsa+r*ajump+q]) * float64(b[(r*kin+q)*nr+j])
									want += pr
									mag += math.Abs(pr)
								}
							}
							if beta != 0 {
								want += float64(beta) * float64(before[i*ldc+j])
								mag += math.Abs(float64(before[i*ldc+j]))
							}
							if ep != nil {
								want += float64(bias[j]) + float64(res[i*nr+j])
								mag += math.Abs(float64(bias[j])) + math.Abs(float64(res[i*nr+j]))
								want = math.Min(math.Max(want, -1), 1)
							}
							if d := math.Abs(float64(got) - want); !(d <= gemmTol(kin*kout+3, mag)) {
								t.Fatalf("rep %d (kin %d, kout %d, mt %d, nt %d): C[%d][%d] = %v, want %v", rep, kin, kout, mt, nt, i, j, got, want)
							}
						}
					}
				}
			})
		}
	})
}

// TestSgemmMicroKernelRows checks that every Rows kernel given mt = q*MR
// writes exactly what q calls of one tile each write (bits, and nothing
// else of C), with and without beta, bias and residual, any nt.
func TestSgemmMicroKernelRows(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(31, uint64(asm.ISA())))
		for _, kn := range asm.SgemmKernelsFor(asm.ISA()) {
			if !kn.Rows {
				continue
			}
			t.Run(kn.Name, func(t *testing.T) {
				mr, nr := kn.MR, kn.NR
				for _, k := range []int{1, 7, 24, 100} {
					for rep := range 8 {
						q := 2 + rep%3
						rsa := k + rep%3
						a := randSlice(rng, (q*mr-1)*rsa+k)
						b := randSlice(rng, k*nr)
						ldc, ldr := nr+3, nr+1
						nt := nr
						if rep >= 4 {
							nt = 1 + rng.IntN(nr)
						}
						beta := []float32{0, 1}[rep%2]
						c0 := randSlice(rng, (q*mr-1)*ldc+nr+5)
						bias, res := randSlice(rng, nr), randSlice(rng, (q*mr-1)*ldr+nr)
						ep := &asm.SgemmEpilogue{Lo: -0.25, Hi: 0.5, Clamp: rep%3 == 0, LdRes: ldr}
						if rep%4 != 1 {
							ep.Bias = &bias[0]
						}
						if rep%4 != 2 {
							ep.Res = &res[0]
						}
						one, run := append([]float32(nil), c0...), append([]float32(nil), c0...)
						for i := 0; i < q*mr; i += mr {
							e := *ep
							if e.Res != nil {
								e.Res = &res[i*ldr]
							}
							kn.RunPartial(k, a[i*rsa:], rsa, 1, b, nr, one[i*ldc:], ldc, beta, &e, mr, nt)
						}
						kn.RunPartial(k, a, rsa, 1, b, nr, run, ldc, beta, ep, q*mr, nt)
						for i := range one {
							if math.Float32bits(one[i]) != math.Float32bits(run[i]) {
								t.Fatalf("k=%d rep=%d (%d tiles, nt=%d): c[%d] = %v in one call, %v tile by tile", k, rep, q, nt, i, run[i], one[i])
							}
						}
					}
				}
			})
		}
	})
}

// TestSgemmConvMicroKernelRows is TestSgemmMicroKernelRows for the Rows
// convolution kernels: windows of kout runs of kin, tile q at q*MR windows
// on.
func TestSgemmConvMicroKernelRows(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(33, uint64(asm.ISA())))
		for _, kn := range asm.SgemmConvKernelsFor(asm.ISA()) {
			if !kn.Rows {
				continue
			}
			t.Run(kn.Name, func(t *testing.T) {
				mr, nr := kn.MR, kn.NR
				for _, kk := range [][2]int{{1, 1}, {15, 5}, {96, 3}} {
					kin, kout := kk[0], kk[1]
					for rep := range 6 {
						q := 2 + rep%3
						rsa := (1 + rep%2) * 3
						ajump := q*mr*rsa + kin + rep
						a := randSlice(rng, (q*mr-1)*rsa+(kout-1)*ajump+kin)
						b := randSlice(rng, kin*kout*nr)
						ldc := nr + 2
						nt := nr
						if rep >= 3 {
							nt = 1 + rng.IntN(nr)
						}
						c0 := randSlice(rng, (q*mr-1)*ldc+nr+3)
						bias, res := randSlice(rng, nr), randSlice(rng, (q*mr-1)*ldc+nr)
						ep := &asm.SgemmEpilogue{Lo: 0, Hi: 0.75, Clamp: rep%2 == 0, LdRes: ldc, Bias: &bias[0], Res: &res[0]}
						one, run := append([]float32(nil), c0...), append([]float32(nil), c0...)
						for i := 0; i < q*mr; i += mr {
							e := *ep
							e.Res = &res[i*ldc]
							kn.RunPartial(kin, kout, a[i*rsa:], rsa, ajump, b, nr, one[i*ldc:], ldc, 0, &e, mr, nt)
						}
						kn.RunPartial(kin, kout, a, rsa, ajump, b, nr, run, ldc, 0, ep, q*mr, nt)
						for i := range one {
							if math.Float32bits(one[i]) != math.Float32bits(run[i]) {
								t.Fatalf("kin=%d kout=%d rep=%d (%d tiles, nt=%d): c[%d] = %v in one call, %v tile by tile", kin, kout, rep, q, nt, i, run[i], one[i])
							}
						}
					}
				}
			})
		}
	})
}
