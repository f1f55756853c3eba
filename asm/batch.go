package asm

// DotBatch computes the dot product of the query q with each of the len(out)
// rows of m, which are stored one after the other, len(q) floats each:
//
//	d := len(q)
//	for r := range out {
//		out[r] = Dot(q, m[r*d:(r+1)*d])
//	}
//
// It panics if len(m) < len(out)*len(q).
func DotBatch(q, m, out []float32) {
	n := checkBatch("asm: DotBatch: len(m) < len(out)*len(q)", q, m, out)
	raceRead(q)
	raceRead(m[:n])
	raceWrite(out)
	dotBatchAt(ISA(), q, m, out)
}

// SquaredL2Batch computes the squared Euclidean distance between the query q
// and each of the len(out) rows of m, stored one after the other, len(q)
// floats each:
//
//	d := len(q)
//	for r := range out {
//		for i := range q {
//			t := q[i] - m[r*d+i]
//			out[r] += t * t // starting from 0
//		}
//	}
//
// It panics if len(m) < len(out)*len(q).
func SquaredL2Batch(q, m, out []float32) {
	n := checkBatch("asm: SquaredL2Batch: len(m) < len(out)*len(q)", q, m, out)
	raceRead(q)
	raceRead(m[:n])
	raceWrite(out)
	squaredL2BatchAt(ISA(), q, m, out)
}

// CosineBatch computes the cosine distance between the query q and each of
// the len(out) rows of m, stored one after the other, len(q) floats each,
// for unit vectors:
//
//	d := len(q)
//	for r := range out {
//		out[r] = 1 - Dot(q, m[r*d:(r+1)*d])
//	}
//
// in one pass over m (the subtraction is fused into the kernel's store). It
// panics if len(m) < len(out)*len(q).
func CosineBatch(q, m, out []float32) {
	n := checkBatch("asm: CosineBatch: len(m) < len(out)*len(q)", q, m, out)
	raceRead(q)
	raceRead(m[:n])
	raceWrite(out)
	cosineBatchAt(ISA(), q, m, out)
}

// checkBatch returns len(out)*len(q), panicking with msg if m is shorter or
// the product overflows.
func checkBatch(msg string, q, m, out []float32) int {
	d, r := len(q), len(out)
	if d != 0 && r > len(m)/d {
		panic(msg)
	}
	return d * r
}
