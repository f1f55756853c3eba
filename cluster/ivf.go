package cluster

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/kernels"
	"github.com/facecluster/facecluster/vec"
)

// IVFOptions configures the inverted-file index of IndexIVF: the faces are
// partitioned by k-means into Lists cells, and each face's neighbours are
// searched in the Probe cells whose centroids are nearest to it.
type IVFOptions struct {
	// Lists is the number of k-means cells; 0 means about 2·√N.
	Lists int
	// Probe is the number of cells searched per face; 0 means 16. Recall
	// grows with it, and so does the search time (linearly).
	Probe int
	// Train is the number of faces k-means is trained on; 0 means
	// min(N, 40·Lists).
	Train int
	// Iterations is the number of k-means iterations; 0 means 8.
	Iterations int
	// Seed seeds the choice of initial centroids.
	Seed uint64
}

func (o *IVFOptions) check() error {
	if o.Lists < 0 || o.Probe < 0 || o.Train < 0 || o.Iterations < 0 {
		return fmt.Errorf("%w: negative IVF option", ErrOptions)
	}
	return nil
}

// ivfIndex is a k-means partition of the rows of a matrix.
type ivfIndex struct {
	mean      []float32  // mean of the training sample
	centroids vec.Matrix // unit rows, in the centred space (see key)
	start     []int      // list l holds order[start[l]:start[l+1]]
	order     []int32    // row indices, grouped by list, ascending within
	data      vec.Matrix // the rows in order, contiguous per list
	probe     int        // cells probed per row
	probed    []int32    // row i probes probed[i*probe : (i+1)*probe], nearest first
}

// newIVF trains k-means on a sample of x, finds every row's probe nearest
// centroids and files the row under the nearest.
//
// The k-means is spherical (unit centroids, nearest by dot product) over the
// rows centred on the sample mean and normalised (see key). Face features
// share a large common component; without centring, a few centroids near the
// common direction are nearest to most rows (hubs) and their cells swell,
// which makes the search quadratic. Only the partition uses the centred
// rows: distances are always those of the features.
func newIVF(x vec.Matrix, o *IVFOptions, workers int) *ivfIndex {
	n := x.Rows
	lists := o.Lists
	if lists == 0 {
		lists = max(1, int(2*math.Sqrt(float64(n))))
	}
	lists = min(lists, n)
	train := o.Train
	if train == 0 {
		train = 40 * lists
	}
	train = max(lists, min(train, n))
	iters := o.Iterations
	if iters == 0 {
		iters = 8
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x1f))
	sample := rng.Perm(n)[:train]
	slices.Sort(sample)
	ix := &ivfIndex{mean: make([]float32, x.Dim)}
	for _, r := range sample {
		asm.Axpy(1/float32(train), x.Row(r), ix.mean)
	}
	keys := vec.NewMatrix(train, x.Dim)
	parallelRows(train, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ix.key(keys.Row(i), x.Row(sample[i]))
		}
	})
	c := vec.NewMatrix(lists, x.Dim)
	for l := range lists {
		copy(c.Row(l), keys.Row(l*train/lists))
	}
	assign := make([]int32, train)
	for range iters {
		parallelRows(train, workers, func(lo, hi int) {
			buf := make([]float32, lists)
			for i := lo; i < hi; i++ {
				assign[i] = int32(nearestCentroid(keys.Row(i), c, buf))
			}
		})
		sums := vec.NewMatrix(lists, x.Dim)
		counts := make([]int, lists)
		for i, l := range assign {
			asm.Axpy(1, keys.Row(i), sums.Row(int(l)))
			counts[l]++
		}
		for l := range lists {
			if counts[l] > 0 && vec.Normalize(sums.Row(l)) > 0 {
				copy(c.Row(l), sums.Row(l))
			}
		}
	}
	keys = vec.Matrix{}
	ix.centroids, ix.start, ix.order = c, make([]int, lists+1), make([]int32, n)
	// Every row's probe nearest centroids; the first is its own cell.
	probe := o.Probe
	if probe == 0 {
		probe = 16
	}
	ix.probe = min(probe, lists)
	ix.probed = make([]int32, n*ix.probe)
	parallelRows(n, workers, func(lo, hi int) {
		buf := make([]float32, lists)
		k := make([]float32, x.Dim)
		for i := lo; i < hi; i++ {
			ix.key(k, x.Row(i))
			for t, l := range ix.probes(k, ix.probe, buf) {
				ix.probed[i*ix.probe+t] = int32(l)
			}
		}
	})
	for i := range n {
		ix.start[ix.probed[i*ix.probe]+1]++
	}
	for l := range lists {
		ix.start[l+1] += ix.start[l]
	}
	fill := slices.Clone(ix.start[:lists])
	for i := range n {
		l := ix.probed[i*ix.probe]
		ix.order[fill[l]] = int32(i)
		fill[l]++
	}
	ix.data = vec.NewMatrix(n, x.Dim)
	parallelRows(n, workers, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			copy(ix.data.Row(p), x.Row(int(ix.order[p])))
		}
	})
	return ix
}

// nearestCentroid returns the index of the centroid of c with the largest dot
// product with q (the lowest on ties); buf, if long enough, is scratch.
func nearestCentroid(q []float32, c vec.Matrix, buf []float32) int {
	if len(buf) < c.Rows {
		buf = make([]float32, c.Rows)
	}
	buf = buf[:c.Rows]
	asm.DotBatch(q, c.Data, buf)
	best := 0
	for l, v := range buf {
		if v > buf[best] {
			best = l
		}
	}
	return best
}

// key writes to dst the row x centred on the sample mean and normalised: the
// space the centroids live in. A row equal to the mean gives zeros.
func (ix *ivfIndex) key(dst, x []float32) {
	for i, v := range x {
		dst[i] = v - ix.mean[i]
	}
	vec.Normalize(dst)
}

// probes returns the indices of the p centroids nearest to the key q.
func (ix *ivfIndex) probes(q []float32, p int, buf []float32) []int {
	buf = buf[:ix.centroids.Rows]
	vec.Distances(q, ix.centroids, vec.Cosine, buf)
	return vec.TopK(buf, p)
}

// ivfGraph finds each row's k nearest neighbours within maxDist among the
// rows filed in its probe nearest cells, then offers every edge found to
// the other end too (a pair is found if either row's probes reach the
// other's cell). The work goes list by list: each
// list's rows, contiguous, stay in cache while the rows probing it are
// compared with them; workers keep private heaps, merged at the end (the
// result does not depend on scheduling).
func ivfGraph(x vec.Matrix, k int, maxDist float32, o *IVFOptions, workers int) *neighbours {
	ix := newIVF(x, o, workers)
	g := ix.search(x, k, maxDist, workers)
	return g.symmetrized()
}

// search runs the probes of every row of x (the rows the index was built
// from).
func (ix *ivfIndex) search(x vec.Matrix, k int, maxDist float32, workers int) *neighbours {
	n, lists, probe := x.Rows, ix.centroids.Rows, ix.probe
	// Inverted probe lists: the rows probing each list.
	probing := make([][]int32, lists)
	for i := range n {
		for _, l := range ix.probed[i*probe : (i+1)*probe] {
			probing[l] = append(probing[l], int32(i))
		}
	}
	// Largest lists first, for balance.
	tasks := make([]int, lists)
	for l := range tasks {
		tasks[l] = l
	}
	slices.SortStableFunc(tasks, func(a, b int) int {
		return (ix.start[b+1] - ix.start[b]) - (ix.start[a+1] - ix.start[a])
	})
	workers = max(1, min(workers, lists))
	heaps := make([]*neighbours, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			g := newNeighbours(n, k)
			heaps[w] = g
			var qs, dots []float32
			for {
				t := int(next.Add(1)) - 1
				if t >= lists {
					return
				}
				l := tasks[t]
				lo, hi := ix.start[l], ix.start[l+1]
				if lo == hi {
					continue
				}
				ix.searchList(g, x, lo, hi, probing[l], maxDist, &qs, &dots)
			}
		})
	}
	wg.Wait()
	g := heaps[0]
	for _, o := range heaps[1:] {
		g.mergeFrom(o)
	}
	g.sortRows()
	return g
}

// searchQueries is the number of rows searchList gathers for one matrix
// product with a list: the list is packed once per product, so longer
// blocks spread that cost thinner (on 200,000 128-d faces 256 rows took
// 8% less CPU time than 64).
const searchQueries = 256

// searchList offers to g the rows of list lo..hi (of ix.data) within maxDist
// of each row of x in queries. The rows of queries are gathered in blocks
// into qs and multiplied with the list at once (kernels.SgemmSerial, one
// list row per column of dots): a product loads each element once per
// register tile instead of once per multiply-add.
func (ix *ivfIndex) searchList(g *neighbours, x vec.Matrix, lo, hi int, queries []int32, maxDist float32, qs, dots *[]float32) {
	dim, m := x.Dim, hi-lo
	blk := ix.data.Data[lo*dim : hi*dim]
	*qs = grow(*qs, searchQueries*dim)
	*dots = grow(*dots, searchQueries*m)
	for q0 := 0; q0 < len(queries); q0 += searchQueries {
		qb := queries[q0:min(q0+searchQueries, len(queries))]
		for r, q := range qb {
			copy((*qs)[r*dim:(r+1)*dim], x.Row(int(q)))
		}
		kernels.SgemmSerial(false, true, len(qb), m, dim, 1, *qs, dim, blk, dim, 0, *dots, m)
		for r, q := range qb {
			for p, v := range (*dots)[r*m : (r+1)*m] {
				if d := 1 - v; d <= maxDist {
					if j := ix.order[lo+p]; j != q && g.accepts(int(q), j, d) {
						g.push(int(q), j, d)
					}
				}
			}
		}
	}
}

// grow returns s with length n, reallocated only if its capacity is short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
