package cluster

import (
	"fmt"
	"math"

	"github.com/facecluster/facecluster/vec"
)

// Index selects how Sparse finds each face's nearest neighbours.
type Index int

const (
	// IndexExact compares every pair of faces (blocked one-vs-many
	// products, in parallel): exact neighbours, O(N²·Dim) time.
	IndexExact Index = iota
	// IndexIVF searches an inverted-file index over k-means centroids
	// (see IVFOptions): approximate neighbours, for collections beyond
	// some 200,000 faces.
	IndexIVF
)

// SparseOptions configures Sparse.
type SparseOptions struct {
	// Options holds the threshold, workers and quality settings. Linkage
	// must be Average.
	Options
	// K is the number of nearest neighbours kept per face; 0 means 32.
	// Memory is O(N·K).
	K int
	// Index selects the neighbour search.
	Index Index
	// SearchDim, if positive and below the feature dimension, makes the
	// search run on features projected onto their SearchDim principal
	// directions, keeping Rerank·K candidates per face whose exact
	// distances then pick the K neighbours. The products shrink by
	// Dim/SearchDim, but keeping Rerank·K candidates per face without a
	// distance bound costs heap work, and recall depends on how much of
	// the identity information the principal directions hold: on the
	// synthetic benchmarks it pays off for 1152-d features (about 4 times
	// less work than IndexExact, recall 0.98) but not for 128-d ones, and
	// IndexIVF beats it on both.
	SearchDim int
	// Rerank is the candidate multiplier of SearchDim; 0 means 4.
	Rerank int
	// IVF configures IndexIVF.
	IVF IVFOptions
}

func (o *SparseOptions) check(dim int) error {
	if err := o.Options.check(); err != nil {
		return err
	}
	if o.Linkage != Average {
		return fmt.Errorf("%w: Sparse supports average linkage only, not %v", ErrOptions, o.Linkage)
	}
	if o.K < 0 || o.SearchDim < 0 || o.Rerank < 0 {
		return fmt.Errorf("%w: negative K, SearchDim or Rerank", ErrOptions)
	}
	if o.Index != IndexExact && o.Index != IndexIVF {
		return fmt.Errorf("%w: unknown Index %d", ErrOptions, int(o.Index))
	}
	return o.IVF.check()
}

func (o *SparseOptions) k() int {
	if o.K == 0 {
		return 32
	}
	return o.K
}

// Sparse clusters the faces of in by average-linkage agglomeration over a
// k-nearest-neighbour graph: two clusters may merge only if a graph edge
// within the threshold joins some pair of their members, and their distance
// is then the exact average linkage, computed from the clusters' feature
// sums (the mean of 1 - x·y over pairs of unit vectors is 1 - Σx·Σy/(na·nb)).
// Merges are of reciprocal nearest neighbours in the graph, found by
// nearest-neighbour chains, while their distance is at most the threshold.
//
// When the graph holds every pair within the threshold (K >= N-1 with
// IndexExact, or simply enough neighbours), Sparse returns the partition of
// Exact with average linkage. With fewer neighbours it can only miss merges
// whose clusters no short edge joins. Memory is O(N·K) beyond the features
// (and their sums for merged clusters); constraints are honoured as in
// Exact.
func Sparse(in *Input, opt SparseOptions) (*Result, error) {
	if err := opt.check(in.Features.Dim); err != nil {
		return nil, err
	}
	p, err := prepare(in, &opt.Options)
	if err != nil {
		return nil, err
	}
	pb, idx := p.core()
	g, err := buildGraph(pb.x, &opt)
	if err != nil {
		return nil, err
	}
	uf, merges := graphCore(pb, g, &opt.Options)
	return p.finish(uf, merges, idx, &opt.Options), nil
}

// buildGraph finds the neighbours of every row of x within the threshold.
func buildGraph(x vec.Matrix, opt *SparseOptions) (*neighbours, error) {
	k := min(opt.k(), max(x.Rows-1, 1))
	if x.Rows < 2 {
		return newNeighbours(x.Rows, k), nil
	}
	w := opt.workers()
	if opt.Index == IndexIVF {
		return ivfGraph(x, k, opt.Threshold, &opt.IVF, w), nil
	}
	if opt.SearchDim > 0 && opt.SearchDim < x.Dim {
		r := opt.Rerank
		if r == 0 {
			r = 4
		}
		return reducedGraph(x, k, opt.Threshold, opt.SearchDim, r, w), nil
	}
	return knnExact(x, k, opt.Threshold, w), nil
}

// graphHAC is the state of the agglomeration over a neighbour graph. As in
// nnChain, a cluster lives in the slot of its smallest member and keeps a
// list of candidate clusters (those joined to it by a graph edge); its
// distances come from feature sums.
type graphHAC struct {
	x        vec.Matrix
	t        float32
	size     []int
	sum      [][]float32 // feature sums of merged clusters
	cand     [][]int32
	partners [][]int32 // cannot-link partner faces of each cluster's members
	uf       *unionFind
	mark     []uint32 // candidate deduplication
	cmark    []uint32 // slots cannot-linked with the current cluster
	epoch    uint32
	cursor   int
	merges   []Merge
	// reducible reports that the candidate lists hold every pair within
	// the threshold, which makes the restricted linkage the true average
	// linkage (reducible): chains survive merges.
	reducible bool
}

// graphCore runs the agglomeration of pb over the graph g.
func graphCore(pb problem, g *neighbours, opt *Options) (*unionFind, []Merge) {
	n := pb.x.Rows
	h := &graphHAC{x: pb.x, t: opt.Threshold, size: make([]int, n), sum: make([][]float32, n),
		cand: make([][]int32, n), partners: make([][]int32, n), uf: newUnionFind(n),
		mark: make([]uint32, n), cmark: make([]uint32, n)}
	// The graph is complete within the threshold if no row's list is full
	// (a full list may have dropped a neighbour within the threshold).
	h.reducible = true
	for i := range n {
		h.size[i] = 1
		nb, _ := g.row(i)
		if len(nb) == g.k && g.k < n-1 {
			h.reducible = false
		}
		for _, j := range nb {
			h.cand[i] = append(h.cand[i], j)
			h.cand[j] = append(h.cand[j], int32(i))
		}
	}
	for _, pr := range pb.cannot {
		h.partners[pr.A] = append(h.partners[pr.A], int32(pr.B))
		h.partners[pr.B] = append(h.partners[pr.B], int32(pr.A))
	}
	for _, gr := range pb.groups {
		for _, f := range gr[1:] {
			h.merge(gr[0], f, 0, true)
		}
	}
	h.run()
	return h.uf, h.merges
}

// run is nnChain.run over the graph. When the graph may lack pairs within
// the threshold, the restricted linkage need not be reducible, so the chain
// is restarted after every merge (each merge is still of reciprocal nearest
// neighbours) and clusters are retired one at a time.
func (h *graphHAC) run() {
	chain := make([]int, 0, 64)
	for {
		if len(chain) == 0 {
			for h.cursor < len(h.size) && h.size[h.cursor] == 0 {
				h.cursor++
			}
			if h.cursor == len(h.size) {
				return
			}
			chain = append(chain, h.cursor)
		}
		a := chain[len(chain)-1]
		prev := -1
		if len(chain) >= 2 {
			prev = chain[len(chain)-2]
		}
		b, d := h.nearest(a, prev)
		if b < 0 || !(d <= h.t) {
			if h.reducible {
				for _, x := range chain {
					h.retire(x)
				}
				chain = chain[:0]
			} else {
				h.retire(a)
				chain = chain[:len(chain)-1]
			}
			continue
		}
		if b == prev {
			h.merge(a, b, d, false)
			chain = chain[:len(chain)-2]
			if !h.reducible {
				chain = chain[:0]
			}
			continue
		}
		chain = append(chain, b)
	}
}

// markPartners stamps the slots of the clusters cannot-linked with the
// cluster in slot a.
func (h *graphHAC) markPartners(a int) uint32 {
	h.epoch++
	e := h.epoch
	for _, f := range h.partners[a] {
		h.cmark[h.uf.find(int(f))] = e
	}
	return e
}

// nearest returns a's nearest live candidate and its distance (-1 if none),
// preferring prev on ties, then the lowest slot; it compacts a's list.
func (h *graphHAC) nearest(a, prev int) (int, float32) {
	ce := h.markPartners(a)
	h.epoch++
	e := h.epoch
	list := h.cand[a]
	keep := list[:0]
	best, bd := -1, float32(math.Inf(1))
	var dprev float32
	for _, k32 := range list {
		k := int(k32)
		if h.size[k] == 0 || h.mark[k] == e || k == a {
			continue
		}
		h.mark[k] = e
		keep = append(keep, k32)
		v := float32(math.Inf(1))
		if h.cmark[k] != ce {
			v = h.dist(a, k)
		}
		if k == prev {
			dprev = v
		}
		if best < 0 || v < bd || (v == bd && k < best) {
			best, bd = k, v
		}
	}
	h.cand[a] = keep
	if prev >= 0 && best >= 0 && h.mark[prev] == e && dprev <= bd {
		return prev, dprev
	}
	return best, bd
}

// clusterSum returns the feature sum of the cluster in slot s.
func (h *graphHAC) clusterSum(s int) []float32 {
	if h.sum[s] != nil {
		return h.sum[s]
	}
	return h.x.Row(s)
}

// dist is the average linkage between the clusters in slots a and b.
func (h *graphHAC) dist(a, b int) float32 {
	dot := float64(vec.Dot(h.clusterSum(a), h.clusterSum(b)))
	return float32(1 - dot/(float64(h.size[a])*float64(h.size[b])))
}

// merge joins the clusters in slots a and b.
func (h *graphHAC) merge(a, b int, d float32, forced bool) {
	lo, hi := min(a, b), max(a, b)
	h.epoch++
	e := h.epoch
	merged := make([]int32, 0, len(h.cand[lo])+len(h.cand[hi]))
	for side, l := range [2][]int32{h.cand[lo], h.cand[hi]} {
		for _, k32 := range l {
			k := int(k32)
			if h.size[k] == 0 || k == lo || k == hi || h.mark[k] == e {
				continue
			}
			h.mark[k] = e
			merged = append(merged, k32)
			if side == 1 {
				// k's list names hi, soon dead, but not lo.
				h.cand[k] = append(h.cand[k], int32(lo))
			}
		}
	}
	s := h.clusterSum(lo)
	if h.sum[lo] == nil {
		s = append([]float32(nil), s...)
	}
	sb := h.clusterSum(hi)
	for i := range s {
		s[i] += sb[i]
	}
	h.sum[lo], h.sum[hi] = s, nil
	h.cand[lo], h.cand[hi] = merged, nil
	h.partners[lo] = append(h.partners[lo], h.partners[hi]...)
	h.partners[hi] = nil
	h.size[lo] += h.size[hi]
	h.size[hi] = 0
	h.uf.union(lo, hi)
	h.merges = append(h.merges, Merge{A: lo, B: hi, Distance: d, Forced: forced})
}

// retire marks the cluster in slot s final.
func (h *graphHAC) retire(s int) {
	h.size[s] = 0
	h.cand[s], h.sum[s], h.partners[s] = nil, nil, nil
}

// KNNGraph is a k-nearest-neighbour graph of faces, as Sparse builds it.
type KNNGraph struct{ g *neighbours }

// Len returns the number of faces.
func (g *KNNGraph) Len() int { return len(g.g.cnt) }

// Row returns face i's neighbours, nearest first (the lower index first
// among equal distances), and their cosine distances. The slices share the
// graph's storage. It panics if i is out of range.
func (g *KNNGraph) Row(i int) ([]int32, []float32) {
	if i < 0 || i >= len(g.g.cnt) {
		panic("cluster: KNNGraph.Row: index out of range")
	}
	return g.g.row(i)
}

// NearestNeighbours returns each face's opt.K nearest other faces within
// opt.Threshold, found by the search opt selects (Index, SearchDim,
// Rerank, IVF), as Sparse would. Features are validated (and normalised if
// need be) as for Sparse; opt.Linkage is ignored.
func NearestNeighbours(features vec.Matrix, opt SparseOptions) (*KNNGraph, error) {
	opt.Linkage = Average
	if err := opt.check(features.Dim); err != nil {
		return nil, err
	}
	p, err := prepare(&Input{Features: features}, &opt.Options)
	if err != nil {
		return nil, err
	}
	g, err := buildGraph(p.x, &opt)
	if err != nil {
		return nil, err
	}
	return &KNNGraph{g}, nil
}
