//go:build gc && !purego && !noasm

package asm

// dotBatchNEON computes the dot product of q with each of the len(out) rows
// of m, stored one after the other, len(q) floats each. It requires
// len(m) >= len(out)*len(q) (DotBatch checks) and reads no element of m past
// len(out)*len(q):
//
//	d := len(q)
//	for r := range out {
//		var s float32
//		for i := range q {
//			s += q[i] * m[r*d+i]
//		}
//		out[r] = s
//	}
//
// Rows are taken 4 at a time, sharing each load of q. It must match
// dotBatchGeneric (see batch_generic.go) up to the rounding of a reordered
// sum.
//
//go:noescape
func dotBatchNEON(q, m, out []float32)

// squaredL2BatchNEON computes the squared Euclidean distance between q and
// each of the len(out) rows of m, stored one after the other, len(q) floats
// each. It requires len(m) >= len(out)*len(q) (SquaredL2Batch checks) and
// reads no element of m past len(out)*len(q):
//
//	d := len(q)
//	for r := range out {
//		var s float32
//		for i := range q {
//			t := q[i] - m[r*d+i]
//			s += t * t
//		}
//		out[r] = s
//	}
//
// It must match squaredL2BatchGeneric (see batch_generic.go) up to the
// rounding of a reordered sum.
//
//go:noescape
func squaredL2BatchNEON(q, m, out []float32)
