package vec

import (
	"fmt"
	"math"

	"github.com/facecluster/facecluster/asm"
)

// Matrix is a row-major matrix of Rows feature vectors of Dim float32
// elements each: row r is Data[r*Dim : (r+1)*Dim]. Data may be longer than
// Rows*Dim; the excess is ignored.
//
// A Matrix is valid if Rows >= 0, Dim >= 0, Rows*Dim does not overflow an
// int and len(Data) >= Rows*Dim. Every function taking a Matrix panics if it
// is not (see Valid).
type Matrix struct {
	Rows, Dim int
	Data      []float32
}

// NewMatrix returns a zeroed rows x dim matrix. It panics if rows or dim is
// negative or their product overflows an int.
func NewMatrix(rows, dim int) Matrix {
	n, ok := shapeSize(rows, dim)
	if !ok {
		panic(msgNewMatrix)
	}
	return Matrix{Rows: rows, Dim: dim, Data: make([]float32, n)}
}

// shapeSize returns rows*dim and whether the shape is non-negative and the
// product fits in an int.
func shapeSize(rows, dim int) (int, bool) {
	if rows < 0 || dim < 0 || (dim != 0 && rows > math.MaxInt/dim) {
		return 0, false
	}
	return rows * dim, true
}

// Valid reports whether m is a valid Matrix: non-negative Rows and Dim whose
// product does not overflow and fits in Data.
func (m Matrix) Valid() bool {
	n, ok := shapeSize(m.Rows, m.Dim)
	return ok && len(m.Data) >= n
}

// check panics if m is not valid and returns Rows*Dim.
func (m Matrix) check() int {
	n, ok := shapeSize(m.Rows, m.Dim)
	if !ok || len(m.Data) < n {
		panic(msgBadMatrix)
	}
	return n
}

// Row returns row i of m, sharing its storage, with its capacity capped at
// Dim so that appending to it cannot overwrite the next row. It panics if m
// is invalid or i is outside [0, Rows).
func (m Matrix) Row(i int) []float32 {
	m.check()
	if i < 0 || i >= m.Rows {
		panic(msgRowIndex)
	}
	lo, hi := i*m.Dim, (i+1)*m.Dim
	return m.Data[lo:hi:hi]
}

// Metric selects the distance that Distances computes.
type Metric int

const (
	// Cosine is the cosine distance of unit vectors, 1 - dot(q, row).
	// Distances does not normalise: for vectors that are not of unit norm
	// the value is 1 - dot, not CosineDistance. For unit vectors it lies in
	// [0, 2] up to rounding (it may be a few ulps below 0).
	Cosine Metric = iota
	// SquaredL2 is the squared Euclidean distance, as SquaredEuclidean
	// computes it.
	SquaredL2
)

// String returns the metric's name, such as "Cosine".
func (k Metric) String() string {
	switch k {
	case Cosine:
		return "Cosine"
	case SquaredL2:
		return "SquaredL2"
	}
	return fmt.Sprintf("Metric(%d)", int(k))
}

// Distances writes to out[r] the distance, under metric, between the query q
// and row r of m:
//
//	for r := range out {
//		out[r] = distance(q, m.Row(r))
//	}
//
// For Cosine the rows and q are assumed to be unit vectors (see Cosine); for
// SquaredL2 they may be anything. The matrix is read once, front to back,
// with no allocation. A NaN in q or in a row gives NaN in the out elements
// it reaches.
//
// It panics if m is invalid, len(q) != m.Dim, len(out) != m.Rows or metric
// is unknown.
func Distances(q []float32, m Matrix, metric Metric, out []float32) {
	n := m.check()
	if len(q) != m.Dim {
		panic(msgQueryLen)
	}
	if len(out) != m.Rows {
		panic(msgOutLen)
	}
	data := m.Data[:n]
	switch metric {
	case Cosine:
		asm.CosineBatch(q, data, out)
	case SquaredL2:
		asm.SquaredL2Batch(q, data, out)
	default:
		panic(msgUnknownMetric)
	}
}
