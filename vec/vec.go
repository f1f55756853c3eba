// Package vec is facecluster's embedding math: dot products, norms, cosine
// and squared Euclidean distances between float32 feature vectors, a
// row-major Matrix of features, one-query-versus-many distances and top-k
// selection.
//
// The hot loops run on the SIMD primitives of package asm, at whatever
// instruction-set level asm has selected (see asm.ISA). Results therefore
// differ from a float64 computation by rounding only, and may differ by a few
// ulps between levels and architectures.
//
// Functions panic, with a message starting "vec: ", on programmer error:
// slices of mismatched lengths, an invalid Matrix or an unknown Metric. They
// never panic on the values in the vectors: NaN inputs give NaN outputs.
package vec

import (
	"math"

	"github.com/facecluster/facecluster/asm"
)

// Panic messages. They are constants so that callers and tests can match
// them.
const (
	msgDotLen        = "vec: Dot: len(x) != len(y)"
	msgCosineLen     = "vec: CosineDistance: len(x) != len(y)"
	msgSquaredLen    = "vec: SquaredEuclidean: len(x) != len(y)"
	msgNewMatrix     = "vec: NewMatrix: negative or overflowing shape"
	msgBadMatrix     = "vec: invalid Matrix"
	msgRowIndex      = "vec: Matrix.Row: index out of range"
	msgQueryLen      = "vec: Distances: len(q) != m.Dim"
	msgOutLen        = "vec: Distances: len(out) != m.Rows"
	msgUnknownMetric = "vec: unknown Metric"
)

// Bounds of the sums of squares that the float32 fast paths accept. Outside
// them a sum of squares may have overflowed or lost bits to underflow, and
// the computation is redone in float64.
const (
	minSafeSq = 0x1p-100
	maxSafeSq = 0x1p100
)

// Dot returns the dot product of x and y:
//
//	for i := range x {
//		s += x[i] * y[i]
//	}
//
// It panics if len(x) != len(y).
func Dot(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(msgDotLen)
	}
	return asm.Dot(x, y)
}

// Norm returns the Euclidean norm of x, the square root of the sum of the
// squares of its elements. It does not overflow or underflow in between: the
// result is +Inf only if x holds an infinity or the norm itself exceeds the
// float32 range, and 0 only for a vector of zeros. It is NaN if x holds a
// NaN.
func Norm(x []float32) float32 {
	n, _ := norm(x)
	return float32(n)
}

// norm returns the norm of x in float64 and whether the float32 sum of
// squares was in the safe range (so that the float32 fast paths apply).
func norm(x []float32) (n float64, fast bool) {
	ss := asm.SumSquares(x)
	if ss >= minSafeSq && ss <= maxSafeSq {
		return math.Sqrt(float64(ss)), true
	}
	if ss != ss {
		return math.NaN(), false
	}
	// Zero, tiny or overflowed: a float64 sum of float32 squares can neither
	// overflow nor underflow.
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s), false
}

// Normalize scales x in place to unit Euclidean norm and returns the norm it
// had, as Norm reports it (+Inf if the norm exceeds the float32 range; x is
// still normalised then). A vector of zeros (including an empty one) is left
// unchanged and 0 is returned. If x holds a NaN or an infinity, its norm is
// NaN or +Inf, it has no unit direction, and every element of x is set to
// NaN.
func Normalize(x []float32) float32 {
	n, fast := norm(x)
	switch {
	case n == 0:
		return 0
	case fast:
		asm.Scale(float32(1/n), x)
	case math.IsNaN(n) || math.IsInf(n, 1):
		nan := float32(math.NaN())
		for i := range x {
			x[i] = nan
		}
	default:
		// Very small or very large: divide in float64, where neither n nor
		// 1/n leaves the range.
		for i, v := range x {
			x[i] = float32(float64(v) / n)
		}
	}
	return float32(n)
}

// CosineDistance returns 1 minus the cosine of the angle between x and y,
// dot(x, y) / (Norm(x) * Norm(y)), a value in [0, 2]: 0 for vectors pointing
// the same way, 1 for orthogonal ones, 2 for opposite ones. The vectors need
// not be normalised. If either is a vector of zeros (or empty), the angle is
// undefined and the result is 1, as for orthogonal vectors. A NaN or an
// infinity in x or y gives NaN.
//
// It panics if len(x) != len(y).
func CosineDistance(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(msgCosineLen)
	}
	sx, sy := asm.SumSquares(x), asm.SumSquares(y)
	var d, nx, ny float64
	if sx >= minSafeSq && sx <= maxSafeSq && sy >= minSafeSq && sy <= maxSafeSq {
		// |dot| <= sqrt(sx*sy) <= 2^100: the float32 dot cannot overflow,
		// and products lost to underflow are negligible beside the norms.
		d = float64(asm.Dot(x, y))
		nx, ny = math.Sqrt(float64(sx)), math.Sqrt(float64(sy))
	} else {
		if sx != sx || sy != sy {
			return float32(math.NaN())
		}
		for i := range x {
			a, b := float64(x[i]), float64(y[i])
			d += a * b
			nx += a * a
			ny += b * b
		}
		nx, ny = math.Sqrt(nx), math.Sqrt(ny)
	}
	if math.IsInf(nx, 0) || math.IsInf(ny, 0) {
		return float32(math.NaN())
	}
	if nx == 0 || ny == 0 {
		return 1
	}
	c := d / nx / ny
	// Rounding can push |c| a little past 1; keep the result in [0, 2].
	c = math.Max(-1, math.Min(1, c))
	return float32(1 - c)
}

// SquaredEuclidean returns the squared Euclidean distance between x and y:
//
//	for i := range x {
//		t := x[i] - y[i]
//		s += t * t
//	}
//
// It panics if len(x) != len(y).
func SquaredEuclidean(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(msgSquaredLen)
	}
	var out [1]float32
	asm.SquaredL2Batch(x, y, out[:])
	return out[0]
}
