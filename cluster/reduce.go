package cluster

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/vec"
)

// pcaSample is the number of rows whose second moment estimates the
// principal directions.
const pcaSample = 4096

// pcaBasis returns m orthonormal directions (the rows of an m x Dim matrix)
// spanning, approximately, the top-m eigenspace of the second moment Σ xxᵀ
// of a sample of x's rows, by subspace iteration. Uncentred, so that dot
// products of projections approximate those of the features.
func pcaBasis(x vec.Matrix, m, workers int) vec.Matrix {
	n, dim := x.Rows, x.Dim
	s := min(n, pcaSample)
	// Second moment, accumulated by rank-one updates, split over workers.
	parts := make([][]float32, max(1, min(workers, s)))
	var wg sync.WaitGroup
	for w := range parts {
		wg.Go(func() {
			mm := make([]float32, dim*dim)
			for r := w; r < s; r += len(parts) {
				row := x.Row(int(int64(r) * int64(n) / int64(s)))
				for a, v := range row {
					if v != 0 {
						asm.Axpy(v, row, mm[a*dim:(a+1)*dim])
					}
				}
			}
			parts[w] = mm
		})
	}
	wg.Wait()
	mom := parts[0]
	for _, p := range parts[1:] {
		asm.Axpy(1, p, mom)
	}
	rng := rand.New(rand.NewPCG(0x5ca1ab1e, uint64(dim)))
	v := vec.NewMatrix(m, dim)
	for i := range v.Data {
		v.Data[i] = float32(rng.NormFloat64())
	}
	orthonormalize(v)
	w := vec.NewMatrix(m, dim)
	for range 12 {
		for r := range m {
			asm.DotBatch(v.Row(r), mom, w.Row(r)) // M is symmetric
		}
		orthonormalize(w)
		v, w = w, v
	}
	return v
}

// orthonormalize makes the rows of v orthonormal by modified Gram-Schmidt,
// applied twice for stability. A row that vanishes is left as zeros.
func orthonormalize(v vec.Matrix) {
	for range 2 {
		for r := range v.Rows {
			row := v.Row(r)
			for q := range r {
				prev := v.Row(q)
				asm.Axpy(-vec.Dot(prev, row), prev, row)
			}
			if n := vec.Norm(row); n > 1e-20 {
				asm.Scale(1/n, row)
			} else {
				clear(row)
			}
		}
	}
}

// project returns the rows of x projected onto the rows of basis.
func project(x, basis vec.Matrix, workers int) vec.Matrix {
	y := vec.NewMatrix(x.Rows, basis.Rows)
	parallelRows(x.Rows, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			asm.DotBatch(x.Row(i), basis.Data, y.Row(i))
		}
	})
	return y
}

// parallelRows calls f(lo, hi) for consecutive chunks [lo, hi) covering
// [0, n), taken in turn by the given number of goroutines.
func parallelRows(n, workers int, f func(lo, hi int)) {
	const chunk = 256
	var next atomic.Int64
	work := func() {
		for {
			lo := int(next.Add(chunk)) - chunk
			if lo >= n {
				return
			}
			f(lo, min(lo+chunk, n))
		}
	}
	var wg sync.WaitGroup
	for range max(1, workers) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// reducedGraph finds each row's k nearest neighbours within maxDist by a
// search over the rows projected onto searchDim principal directions, which
// keeps rerank·k candidates per row, re-ranked by their exact distances.
func reducedGraph(x vec.Matrix, k int, maxDist float32, searchDim, rerank, workers int) *neighbours {
	basis := pcaBasis(x, searchDim, workers)
	y := project(x, basis, workers)
	kc := min(k*rerank, x.Rows-1)
	cand := knnExact(y, kc, float32(math.Inf(1)), workers)
	return rerankGraph(x, cand, k, maxDist, workers)
}

// rerankGraph keeps, of each row's candidates in cand, the k nearest by
// exact distance within maxDist.
func rerankGraph(x vec.Matrix, cand *neighbours, k int, maxDist float32, workers int) *neighbours {
	g := newNeighbours(x.Rows, k)
	parallelRows(x.Rows, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c, _ := cand.row(i)
			xi := x.Row(i)
			for _, j := range c {
				if d := 1 - vec.Dot(xi, x.Row(int(j))); d <= maxDist {
					g.push(i, j, d)
				}
			}
		}
	})
	g.sortRows()
	return g
}
