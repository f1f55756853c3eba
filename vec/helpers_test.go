package vec_test

import (
	"math"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/internal/isatest"
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

var nan32 = float32(math.NaN())

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
	d, mag := isatest.Dot64(q, row)
	e := sumTol(mag, len(q))
	want = 1 - d
	return want, e + u*(math.Abs(want)+e)
}

// cosineRef is the reference for CosineDistance, with its error bound.
func cosineRef(x, y []float32) (want, tol float64) {
	d, mag := isatest.Dot64(x, y)
	nx2, _ := isatest.Dot64(x, x)
	ny2, _ := isatest.Dot64(y, y)
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
	s, _ := isatest.Dot64(x, x)
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
