package vec_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/asm"
)

const (
	u        = 0x1p-24  // float32 unit roundoff
	tinyUnit = 0x1p-148 // twice the smallest subnormal: products may underflow
)

// dims are the vector lengths every test covers: exhaustive up to beyond two
// unrolled AVX-512 blocks, then the feature sizes the product uses.
func dims() []int {
	var ds []int
	for d := 0; d <= 70; d++ {
		ds = append(ds, d)
	}
	return append(ds, 127, 128, 129, 512, 1152)
}

// rowCounts are matrix heights around the 4-row blocks of the batch kernels.
var rowCounts = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 17}

// sentinel is the NaN written around outputs; any other value found there
// means something wrote out of bounds.
var sentinel = math.Float32frombits(0x7fc0beef)

var nan32 = float32(math.NaN())

// guarded returns a slice of n elements at element offset off inside a buffer
// whose other elements hold sentinel, and a check that the guards are intact.
func guarded(n, off int) ([]float32, func(t *testing.T)) {
	const pad = 16
	buf := make([]float32, off+n+pad)
	for i := range buf {
		buf[i] = sentinel
	}
	s := buf[off : off+n : off+n]
	return s, func(t *testing.T) {
		t.Helper()
		for i, v := range buf {
			if (i < off || i >= off+n) && math.Float32bits(v) != math.Float32bits(sentinel) {
				t.Fatalf("guard at buffer index %d (slice at %d, len %d) overwritten: %v", i, off, n, v)
			}
		}
	}
}

// readOnly returns a check that s still holds what it holds now.
func readOnly(s []float32) func(t *testing.T, name string) {
	c := append([]float32(nil), s...)
	return func(t *testing.T, name string) {
		t.Helper()
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(s[i]) {
				t.Fatalf("%s[%d] modified: %v -> %v", name, i, c[i], s[i])
			}
		}
	}
}

// fill writes random values into s: kind 0 gives floats in [-1, 1), kind 1
// small integers (whose sums are exact in float32).
func fill(rng *rand.Rand, s []float32, kind int) {
	for i := range s {
		if kind == 1 {
			s[i] = float32(rng.IntN(17) - 8)
		} else {
			s[i] = rng.Float32()*2 - 1
		}
	}
}

// dot64 returns the float64 dot product of x and y and the sum of the
// magnitudes of its terms (the scale of its rounding error).
func dot64(x, y []float32) (s, mag float64) {
	for i := range x {
		p := float64(x[i]) * float64(y[i])
		s += p
		mag += math.Abs(p)
	}
	return s, mag
}

// sq64 returns the float64 squared Euclidean distance of x and y.
func sq64(x, y []float32) float64 {
	var s float64
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		s += d * d
	}
	return s
}

// sumTol is the worst-case error of a float32 sum of n products, in any order
// and with or without FMA, whose magnitudes add to mag.
func sumTol(mag float64, n int) float64 {
	return float64(n+4)*u*mag + float64(n+1)*tinyUnit
}

// near reports whether got is within tol of want, NaN-aware: a NaN want
// needs a NaN got, and a number needs a number.
func near(got float32, want, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(float64(got)) {
		return math.IsNaN(want) && math.IsNaN(float64(got))
	}
	if math.IsInf(want, 0) {
		return float64(got) == want
	}
	return math.Abs(float64(got)-want) <= tol
}

// cosine1 is the reference for Distances under Cosine: 1 - dot, with its
// error bound (the dot's, then the rounding of the subtraction).
func cosine1(q, row []float32) (want, tol float64) {
	d, mag := dot64(q, row)
	e := sumTol(mag, len(q))
	want = 1 - d
	return want, e + u*(math.Abs(want)+e)
}

// cosineRef is the reference for CosineDistance, with its error bound.
func cosineRef(x, y []float32) (want, tol float64) {
	d, mag := dot64(x, y)
	nx2, _ := dot64(x, x)
	ny2, _ := dot64(y, y)
	if math.IsNaN(d+nx2+ny2) || math.IsInf(nx2, 0) || math.IsInf(ny2, 0) {
		return math.NaN(), 0
	}
	if nx2 == 0 || ny2 == 0 {
		return 1, 0
	}
	den := math.Sqrt(nx2) * math.Sqrt(ny2)
	c := math.Max(-1, math.Min(1, d/den))
	want = 1 - c
	n := len(x)
	return want, float64(n+8)*u*(mag/den+1) + u*want
}

// norm64 is the float64 Euclidean norm of x.
func norm64(x []float32) float64 {
	s, _ := dot64(x, x)
	return math.Sqrt(s)
}

// mustPanic checks that f panics with a string starting "vec: " and
// containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s, ok := r.(string)
		if !ok || !strings.HasPrefix(s, "vec: ") || !strings.Contains(s, want) {
			t.Fatalf("panic = %#v, want a \"vec: \" message containing %q", r, want)
		}
	}()
	f()
}

// atEachLevel calls f with asm switched to each supported level in turn
// (for fuzz targets, which cannot run subtests).
func atEachLevel(t *testing.T, f func(l asm.Level)) {
	t.Helper()
	for _, l := range asm.Levels() {
		prev, err := asm.SetISA(l)
		if err != nil {
			t.Fatal(err)
		}
		f(l)
		if _, err := asm.SetISA(prev); err != nil {
			t.Fatal(err)
		}
	}
}
