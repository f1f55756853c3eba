package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
)

// gemmSentinel fills every element of a buffer that Sgemm must not write
// (gaps between rows, padding after the matrix); any other value found
// there afterwards is an out-of-bounds write.
var gemmSentinel = math.Float32frombits(0x7fc0beef)

// gemmCase is one Sgemm call to check.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra elements per row beyond the needed length
	padC           int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%v,beta=%v,pad=%d/%d/%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC)
}

// gemmOperands are the matrices of a case, stored with their leading
// dimensions and sentinels in every gap.
type gemmOperands struct {
	a, b, c       []float32
	lda, ldb, ldc int
}

// stored returns a rows x cols row-major matrix with leading dimension
// cols+pad, random values in range and sentinels in the gaps and in pad
// elements after the last row.
func stored(rng *rand.Rand, rows, cols, pad int) ([]float32, int) {
	ld := max(1, cols+pad)
	s := make([]float32, rows*ld+pad)
	for i := range s {
		s[i] = gemmSentinel
	}
	for i := range rows {
		for j := range cols {
			s[i*ld+j] = float32(rng.Float64()*2 - 1)
		}
	}
	return s, ld
}

func (tc gemmCase) operands(rng *rand.Rand) gemmOperands {
	var o gemmOperands
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	o.a, o.lda = stored(rng, ar, ac, tc.padA)
	o.b, o.ldb = stored(rng, br, bc, tc.padB)
	o.c, o.ldc = stored(rng, tc.m, tc.n, tc.padC)
	if tc.beta == 0 {
		// C must not be read: poison it.
		for i := range tc.m {
			for j := range tc.n {
				o.c[i*o.ldc+j] = float32(math.NaN())
			}
		}
	}
	return o
}

func (o gemmOperands) clone() gemmOperands {
	o.a = append([]float32(nil), o.a...)
	o.b = append([]float32(nil), o.b...)
	o.c = append([]float32(nil), o.c...)
	return o
}

// at returns op(X)[i][j] for a stored matrix.
func at(x []float32, ld int, trans bool, i, j int) float64 {
	if trans {
		i, j = j, i
	}
	return float64(x[i*ld+j])
}

// naiveGemm returns the float64 product and, per element, the magnitude
// that bounds its rounding error: |alpha| * sum |a||b| + |beta c|.
func naiveGemm(tc gemmCase, o gemmOperands) (want, mag []float64) {
	want = make([]float64, tc.m*tc.n)
	mag = make([]float64, tc.m*tc.n)
	for i := range tc.m {
		for j := range tc.n {
			var s, sa float64
			for p := range tc.k {
				x := at(o.a, o.lda, tc.transA, i, p) * at(o.b, o.ldb, tc.transB, p, j)
				s += x
				sa += math.Abs(x)
			}
			v := float64(tc.alpha) * s
			g := math.Abs(float64(tc.alpha)) * sa
			if tc.beta != 0 {
				cv := float64(o.c[i*o.ldc+j])
				v += float64(tc.beta) * cv
				g += math.Abs(float64(tc.beta) * cv)
			}
			want[i*tc.n+j], mag[i*tc.n+j] = v, g
		}
	}
	return want, mag
}

// gemmTol is the allowed error for an element of magnitude mag after a
// k-term float32 sum: a few units of roundoff per term (Higham's gamma_k,
// with slack for the alpha and beta products).
func gemmTol(k int, mag float64) float64 {
	const u = 0x1p-24
	return 2*float64(k+3)*u*mag + 0x1p-120
}

// checkGemmResult compares C after the call with the reference, and checks
// that every sentinel in C and all of A and B are unchanged.
func checkGemmResult(t *testing.T, tc gemmCase, before, after gemmOperands) {
	t.Helper()
	want, mag := naiveGemm(tc, before)
	for i := range before.c {
		row, col := i/before.ldc, i%before.ldc
		inside := row < tc.m && col < tc.n
		got := after.c[i]
		if !inside {
			if math.Float32bits(got) != math.Float32bits(before.c[i]) {
				t.Fatalf("%v: C[%d] outside the matrix (row %d col %d) changed: %v", tc, i, row, col, got)
			}
			continue
		}
		w := want[row*tc.n+col]
		if d := math.Abs(float64(got) - w); !(d <= gemmTol(tc.k, mag[row*tc.n+col])) {
			t.Fatalf("%v: C[%d][%d] = %v, want %v (error %.3g, tolerance %.3g)", tc, row, col, got, w, d, gemmTol(tc.k, mag[row*tc.n+col]))
		}
	}
	for name, pair := range map[string][2][]float32{"A": {before.a, after.a}, "B": {before.b, after.b}} {
		for i := range pair[0] {
			if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
				t.Fatalf("%v: %s[%d] modified: %v -> %v", tc, name, i, pair[0][i], pair[1][i])
			}
		}
	}
}

func runGemmCase(t *testing.T, rng *rand.Rand, tc gemmCase) {
	t.Helper()
	before := tc.operands(rng)
	after := before.clone()
	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, after.a, after.lda, after.b, after.ldb, tc.beta, after.c, after.ldc)
	checkGemmResult(t, tc, before, after)
}

var (
	gemmAlphas = []float32{1, -0.5, 2.5, 0}
	gemmBetas  = []float32{0, 1, -1.5}
)

// randomFlags fills the transposes, scalars and paddings of tc.
func randomFlags(rng *rand.Rand, tc gemmCase) gemmCase {
	tc.transA, tc.transB = rng.IntN(2) == 1, rng.IntN(2) == 1
	tc.alpha = gemmAlphas[rng.IntN(len(gemmAlphas)-1)] // alpha = 0 has its own test
	tc.beta = gemmBetas[rng.IntN(len(gemmBetas))]
	tc.padA, tc.padB, tc.padC = rng.IntN(4), rng.IntN(4), rng.IntN(4)
	return tc
}

// TestSgemmTiles covers every m in 1..2MR and n in 1..2NR of the level's
// micro-kernel (every edge-tile shape), with depths around the unrolling
// and random transposes, scalars and leading dimensions.
func TestSgemmTiles(t *testing.T) {
	defer SetThreads(SetThreads(1))
	isatest.ForEach(t, func(t *testing.T) {
		kn := asm.SgemmKernelFor(asm.ISA())
		rng := rand.New(rand.NewPCG(1, uint64(asm.ISA())))
		ks := []int{1, 2, 3, 5, 8, 17}
		for m := 1; m <= 2*kn.MR; m++ {
			for n := 1; n <= 2*kn.NR; n++ {
				tc := randomFlags(rng, gemmCase{m: m, n: n, k: ks[rng.IntN(len(ks))]})
				runGemmCase(t, rng, tc)
			}
		}
	})
}

// TestSgemmDepth covers k across the cache-block depth (one, two and
// three passes over C, the passes of unequal length).
func TestSgemmDepth(t *testing.T) {
	defer SetThreads(SetThreads(1))
	isatest.ForEach(t, func(t *testing.T) {
		kn := asm.SgemmKernelFor(asm.ISA())
		rng := rand.New(rand.NewPCG(2, uint64(asm.ISA())))
		ks := []int{kcMax - 1, kcMax, kcMax + 1, 2*kcMax - 3, 2 * kcMax, 2*kcMax + 1}
		for i := 0; i < 24; i++ {
			k := ks[i%len(ks)]
			if i >= len(ks) {
				k = 1 + rng.IntN(2*kcMax+1)
			}
			tc := randomFlags(rng, gemmCase{m: 1 + rng.IntN(2*kn.MR), n: 1 + rng.IntN(2*kn.NR), k: k})
			runGemmCase(t, rng, tc)
		}
	})
}

// TestSgemmLarge runs sizes up to 512 in every dimension (blocks of A and B
// larger than one cache block), all transposes.
func TestSgemmLarge(t *testing.T) {
	sizes := [][3]int{{200, 300, 129}, {37, 511, 300}, {513, 33, 70}, {64, 1000, 20}, {300, 47, 600}}
	if !testing.Short() && runtime.GOARCH == "amd64" {
		// Not under emulation (arm64 runs in qemu here): the float64
		// reference alone takes seconds there.
		sizes = append(sizes, [3]int{512, 512, 512})
	}
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, uint64(asm.ISA())))
		for i, s := range sizes {
			tc := randomFlags(rng, gemmCase{m: s[0], n: s[1], k: s[2]})
			tc.transA, tc.transB = i&1 == 1, i&2 == 2
			runGemmCase(t, rng, tc)
		}
	})
}

// TestSgemmScalars covers alpha = 0 and k = 0 (C scaled by beta, A and B
// not read), beta = 0 over NaN, and the fused edge cases of beta.
func TestSgemmScalars(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(4, 5))
		for _, alpha := range gemmAlphas {
			for _, beta := range gemmBetas {
				for _, k := range []int{0, 1, 40} {
					for _, mn := range [][2]int{{3, 5}, {29, 70}} {
						tc := gemmCase{m: mn[0], n: mn[1], k: k, alpha: alpha, beta: beta, padA: 1, padB: 2, padC: 3}
						runGemmCase(t, rng, tc)
					}
				}
			}
		}
	})
}

// TestSgemmThreads checks that the result is bit-identical with one and
// two goroutines, on shapes split by rows and by columns.
func TestSgemmThreads(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(6, 7))
		for _, s := range [][3]int{{300, 70, 150}, {40, 700, 300}, {129, 129, 257}} {
			tc := randomFlags(rng, gemmCase{m: s[0], n: s[1], k: s[2]})
			o := tc.operands(rng)
			// Sgemm with 1 and 2 threads, then SgemmSerial with 2 set.
			var out [3][]float32
			for i, th := range []int{1, 2, 2} {
				prev := SetThreads(th)
				r := o.clone()
				f := Sgemm
				if i == 2 {
					f = SgemmSerial
				}
				f(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, r.a, r.lda, r.b, r.ldb, tc.beta, r.c, r.ldc)
				SetThreads(prev)
				out[i] = r.c
			}
			for v, name := range []string{"2 threads", "SgemmSerial"} {
				for i := range out[0] {
					if math.Float32bits(out[0][i]) != math.Float32bits(out[v+1][i]) {
						t.Fatalf("%v: C[%d] = %v with 1 thread, %v with %s", tc, i, out[0][i], out[v+1][i], name)
					}
				}
			}
		}
	})
}

// TestSgemmPanics checks the argument checks and their messages.
func TestSgemmPanics(t *testing.T) {
	buf := make([]float32, 100)
	checkPanics(t, []panicCase{
		{"m<0", func() { Sgemm(false, false, -1, 2, 2, 1, buf, 2, buf, 2, 0, buf, 2) }, "m < 0"},
		{"n<0", func() { Sgemm(false, false, 2, -1, 2, 1, buf, 2, buf, 2, 0, buf, 2) }, "n < 0"},
		{"k<0", func() { Sgemm(false, false, 2, 2, -1, 1, buf, 2, buf, 2, 0, buf, 2) }, "k < 0"},
		{"lda", func() { Sgemm(false, false, 2, 3, 4, 1, buf, 3, buf, 3, 0, buf, 3) }, "bad lda"},
		{"ldaT", func() { Sgemm(true, false, 5, 3, 4, 1, buf, 4, buf, 3, 0, buf, 3) }, "bad lda"},
		{"ldb", func() { Sgemm(false, false, 2, 3, 4, 1, buf, 4, buf, 2, 0, buf, 3) }, "bad ldb"},
		{"ldc", func() { Sgemm(false, false, 2, 3, 4, 1, buf, 4, buf, 3, 0, buf, 2) }, "bad ldc"},
		{"lenA", func() { Sgemm(false, false, 20, 3, 10, 1, buf, 10, buf, 3, 0, buf, 3) }, "length of a"},
		{"lenB", func() { Sgemm(false, false, 2, 30, 10, 1, buf, 10, buf, 30, 0, buf[:60], 30) }, "length of b"},
		{"lenC", func() { Sgemm(false, false, 2, 3, 1, 1, buf, 1, buf, 3, 0, buf[:5], 3) }, "length of c"},
		{"serial", func() { SgemmSerial(false, false, 2, 3, 1, 1, buf, 1, buf, 3, 0, buf[:5], 3) }, "length of c"},
	})
	// Empty products need no storage.
	Sgemm(false, false, 0, 5, 3, 1, nil, 3, buf, 5, 0, nil, 5)
	Sgemm(false, false, 4, 0, 3, 1, buf, 3, nil, 1, 0, nil, 1)
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0, buf[:4], 2)
}

// TestSgemmAllocs checks that a warm call allocates nothing, serial and
// parallel.
func TestSgemmAllocs(t *testing.T) {
	a := make([]float32, 200*300)
	b := make([]float32, 300*150)
	c := make([]float32, 200*150)
	for _, th := range []int{1, 2} {
		prev := SetThreads(th)
		f := func() { Sgemm(false, true, 200, 150, 300, 1, a, 300, b, 300, 0, c, 150) }
		f()
		if n := testing.AllocsPerRun(10, f); n > 0 {
			t.Errorf("threads=%d: %v allocations per call", th, n)
		}
		SetThreads(prev)
	}
}

// FuzzSgemm derives a shape and flags from the input and compares every
// level with the generic kernel (and both with the float64 reference).
func FuzzSgemm(f *testing.F) {
	f.Add([]byte{14, 32, 5, 0})
	f.Add([]byte{15, 33, 200, 3, 1, 2})
	f.Add([]byte{1, 1, 1, 255, 7, 9})
	f.Add([]byte{60, 70, 255, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		get := func(i int) int {
			if i < len(data) {
				return int(data[i])
			}
			return 0
		}
		tc := gemmCase{m: get(0) % 64, n: get(1) % 80, k: get(2)*2 + get(6)%2}
		fl := get(3)
		tc.transA, tc.transB = fl&1 == 1, fl&2 == 2
		tc.alpha = gemmAlphas[(fl>>2)%4]
		tc.beta = gemmBetas[(fl>>4)%3]
		tc.padA, tc.padB, tc.padC = get(4)%5, get(5)%5, (get(4)>>4)%5
		rng := rand.New(rand.NewPCG(uint64(len(data)), uint64(fl)))
		before := tc.operands(rng)
		defer SetThreads(SetThreads(1 + fl>>7))
		var results [][]float32
		for _, l := range asm.Levels() {
			prev, err := asm.SetISA(l)
			if err != nil {
				t.Fatal(err)
			}
			after := before.clone()
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, after.a, after.lda, after.b, after.ldb, tc.beta, after.c, after.ldc)
			asm.SetISA(prev)
			checkGemmResult(t, tc, before, after)
			results = append(results, after.c)
		}
		// Levels differ from generic at most by twice the reference bound.
		_, mag := naiveGemm(tc, before)
		for li, r := range results[1:] {
			for i := range tc.m {
				for j := range tc.n {
					g, v := float64(results[0][i*before.ldc+j]), float64(r[i*before.ldc+j])
					if d := math.Abs(g - v); !(d <= 2*gemmTol(tc.k, mag[i*tc.n+j])) {
						t.Fatalf("%v: level %v C[%d][%d] = %v, generic %v", tc, asm.Levels()[li+1], i, j, v, g)
					}
				}
			}
		}
	})
}

// TestSgemmConcurrent: callers on several goroutines at once, each call
// allowed more goroutines than there are helpers to go round, get the
// results of serial calls (every part of a call is computed once, by the
// caller or a free helper).
func TestSgemmConcurrent(t *testing.T) {
	defer SetThreads(SetThreads(3))
	rng := rand.New(rand.NewPCG(8, 9))
	type job struct {
		tc   gemmCase
		o    gemmOperands
		want []float32
	}
	var jobs []job
	for range 24 {
		tc := randomFlags(rng, gemmCase{m: 1 + rng.IntN(200), n: 1 + rng.IntN(300), k: 1 + rng.IntN(150)})
		o := tc.operands(rng)
		r := o.clone()
		SgemmSerial(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, r.a, r.lda, r.b, r.ldb, tc.beta, r.c, r.ldc)
		jobs = append(jobs, job{tc, o, r.c})
	}
	// With the default watch and with helpers that sleep after every share
	// (SetSpin(0): every share then needs a wake-up).
	defer SetSpin(SetSpin(defaultSpin))
	for _, d := range []time.Duration{defaultSpin, 0} {
		SetSpin(d)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for rep := range 20 {
					jb := jobs[(g*7+rep)%len(jobs)]
					r := jb.o.clone()
					Sgemm(jb.tc.transA, jb.tc.transB, jb.tc.m, jb.tc.n, jb.tc.k, jb.tc.alpha, r.a, r.lda, r.b, r.ldb, jb.tc.beta, r.c, r.ldc)
					for i := range r.c {
						if math.Float32bits(r.c[i]) != math.Float32bits(jb.want[i]) {
							t.Errorf("spin %v: %v: C[%d] = %v, serial %v", d, jb.tc, i, r.c[i], jb.want[i])
							return
						}
					}
				}
			})
		}
		wg.Wait()
	}
}

// TestSetSpin: SetSpin returns the previous setting and clamps to [0, 1s].
func TestSetSpin(t *testing.T) {
	orig := SetSpin(time.Millisecond)
	defer SetSpin(orig)
	for _, c := range []struct{ set, want time.Duration }{
		{-time.Second, 0},
		{5 * time.Second, time.Second},
		{50 * time.Microsecond, 50 * time.Microsecond},
		{defaultSpin, defaultSpin},
	} {
		SetSpin(c.set)
		if got := SetSpin(c.set); got != c.want {
			t.Errorf("SetSpin(%v) stored %v, want %v", c.set, got, c.want)
		}
	}
}

// TestGroup: every part runs exactly once, whatever the thread count, and a
// part may run Sgemm itself (parallel nests) with serial results.
func TestGroup(t *testing.T) {
	defer SetThreads(SetThreads(2))
	rng := rand.New(rand.NewPCG(10, 11))
	tc := gemmCase{m: 120, n: 200, k: 90, alpha: 1}
	o := tc.operands(rng)
	want := o.clone()
	SgemmSerial(false, false, tc.m, tc.n, tc.k, 1, want.a, want.lda, want.b, want.ldb, 0, want.c, want.ldc)
	var g Group
	for _, th := range []int{1, 2, 5} {
		for _, n := range []int{1, 3, 40} {
			count := make([]atomic.Int32, n)
			outs := make([]gemmOperands, n)
			for p := range outs {
				outs[p] = o.clone()
			}
			g.Run(n, th, func(p int) {
				count[p].Add(1)
				r := outs[p]
				Sgemm(false, false, tc.m, tc.n, tc.k, 1, r.a, r.lda, r.b, r.ldb, 0, r.c, r.ldc)
			})
			for p := range n {
				if c := count[p].Load(); c != 1 {
					t.Fatalf("threads %d, %d parts: part %d ran %d times", th, n, p, c)
				}
				for i := range want.c {
					if math.Float32bits(outs[p].c[i]) != math.Float32bits(want.c[i]) {
						t.Fatalf("threads %d, %d parts: part %d C[%d] = %v, serial %v", th, n, p, i, outs[p].c[i], want.c[i])
					}
				}
			}
		}
	}
}

// panicCase is a call that must panic with a "kernels: " message
// containing want.
type panicCase struct {
	name string
	f    func()
	want string
}

// checkPanics runs each case as a subtest.
func checkPanics(t *testing.T, cases []panicCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if !strings.HasPrefix(s, "kernels: ") || !strings.Contains(s, tc.want) {
					t.Fatalf("panic %v, want a kernels: message containing %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}
