package asm

// dotBatchGeneric is the reference for DotBatch.
func dotBatchGeneric(q, m, out []float32) {
	d := len(q)
	for r := range out {
		out[r] = dotGeneric(q, m[r*d:(r+1)*d])
	}
}

// squaredL2BatchGeneric is the reference for SquaredL2Batch.
func squaredL2BatchGeneric(q, m, out []float32) {
	d := len(q)
	for r := range out {
		row := m[r*d : (r+1)*d]
		var s0, s1, s2, s3 float32
		i := 0
		for ; i+4 <= d; i += 4 {
			t0 := q[i] - row[i]
			t1 := q[i+1] - row[i+1]
			t2 := q[i+2] - row[i+2]
			t3 := q[i+3] - row[i+3]
			s0 += t0 * t0
			s1 += t1 * t1
			s2 += t2 * t2
			s3 += t3 * t3
		}
		for ; i < d; i++ {
			t := q[i] - row[i]
			s0 += t * t
		}
		out[r] = (s0 + s1) + (s2 + s3)
	}
}

// cosineBatchGeneric is the reference for CosineBatch.
func cosineBatchGeneric(q, m, out []float32) {
	dotBatchGeneric(q, m, out)
	oneMinus(out)
}

// oneMinus sets x[i] = 1 - x[i].
func oneMinus(x []float32) {
	for i, v := range x {
		x[i] = 1 - v
	}
}
