package vec_test

import (
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/facecluster/facecluster/vec"
)

func init() {
	cosinePeers = append(cosinePeers, distancesPeer{"gonum", gonumCosine})
}

// gonumCosine is 1 - blas32.Dot(q, row) for every row.
func gonumCosine(q []float32, m vec.Matrix, out []float32) {
	x := blas32.Vector{N: m.Dim, Inc: 1, Data: q}
	for r := range out {
		out[r] = 1 - blas32.Dot(x, blas32.Vector{N: m.Dim, Inc: 1, Data: m.Row(r)})
	}
}
