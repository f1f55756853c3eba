package clusterbench

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/facecluster/facecluster/vec"
)

// Graph lists, for every face, the other faces within a distance.
type Graph [][]int32

// ThresholdGraph returns the faces within cosine distance eps of each unit
// row of x, by brute force on the given number of goroutines: blocks of 64
// rows are compared with blocks of about 256 KiB of rows, which stay in
// cache meanwhile.
func ThresholdGraph(x vec.Matrix, eps float32, workers int) Graph {
	n, dim := x.Rows, x.Dim
	const qb = 64
	cb := max(16, (256<<10)/(4*max(dim, 1)))
	g := make(Graph, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			dist := make([]float32, cb)
			for {
				lo := int(next.Add(qb)) - qb
				if lo >= n {
					return
				}
				hi := min(lo+qb, n)
				for j0 := 0; j0 < n; j0 += cb {
					j1 := min(j0+cb, n)
					blk := vec.Matrix{Rows: j1 - j0, Dim: dim, Data: x.Data[j0*dim : j1*dim]}
					out := dist[:j1-j0]
					for i := lo; i < hi; i++ {
						vec.Distances(x.Row(i), blk, vec.Cosine, out)
						for k, d := range out {
							if d <= eps && j0+k != i {
								g[i] = append(g[i], int32(j0+k))
							}
						}
					}
				}
			}
		})
	}
	wg.Wait()
	return g
}

// ChineseWhispers clusters the graph as dlib's chinese_whispers does for
// faces (Biemann 2006): every face starts with a label of its own; then
// iterations·N times a random face takes the label most common among its
// neighbours and itself (every edge weighing 1, and the face's own edge,
// as in dlib's face-clustering example, which links each face to itself),
// ties going to the lowest label (dlib scans an ordered map). It returns
// labels numbered by smallest member.
func ChineseWhispers(g Graph, iterations int, seed uint64) []int {
	n := len(g)
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(i)
	}
	rng := rand.New(rand.NewPCG(seed, 0xc4))
	count := make(map[int32]int)
	for range iterations * n {
		i := rng.IntN(n)
		clear(count)
		count[labels[i]]++ // the face's edge to itself
		for _, j := range g[i] {
			count[labels[j]]++
		}
		best, bestC := labels[i], 0
		for l, c := range count {
			if c > bestC || (c == bestC && l < best) {
				best, bestC = l, c
			}
		}
		labels[i] = best
	}
	out := make([]int, n)
	for i, l := range labels {
		out[i] = int(l)
	}
	return canonical(out)
}

// DBSCAN clusters the graph (whose neighbourhoods are the eps-balls) by
// DBSCAN (Ester et al. 1996) with the given minimum number of points, self
// included, as Immich does (maximum distance 0.5, at least 3 faces by
// default): core faces have at least minPts faces within eps, clusters are
// the core faces connected through each other plus the border faces they
// reach, and noise faces become clusters of their own. Labels are numbered
// by smallest member.
func DBSCAN(g Graph, minPts int) []int {
	n := len(g)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = -1
	}
	core := func(i int) bool { return len(g[i])+1 >= minPts }
	next := 0
	var queue []int
	for i := range n {
		if labels[i] >= 0 || !core(i) {
			continue
		}
		c := next
		next++
		labels[i] = c
		queue = append(queue[:0], i)
		for len(queue) > 0 {
			p := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			for _, q32 := range g[p] {
				q := int(q32)
				if labels[q] >= 0 {
					continue
				}
				labels[q] = c
				if core(q) {
					queue = append(queue, q)
				}
			}
		}
	}
	for i := range labels {
		if labels[i] < 0 {
			labels[i] = next
			next++
		}
	}
	return canonical(labels)
}

// canonical renumbers labels in order of their smallest member.
func canonical(labels []int) []int {
	m := make(map[int]int)
	out := make([]int, len(labels))
	for i, l := range labels {
		k, ok := m[l]
		if !ok {
			k = len(m)
			m[l] = k
		}
		out[i] = k
	}
	return out
}
