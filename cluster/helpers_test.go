package cluster

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/facecluster/facecluster/vec"
)

var linkages = []Linkage{Average, Complete, Single}

// blobs returns n unit vectors of dimension dim around k random centres,
// with Gaussian noise of the given scale, and the centre of each.
func blobs(rng *rand.Rand, n, dim, k int, noise float64) (vec.Matrix, []int) {
	centres := make([][]float64, k)
	for c := range centres {
		centres[c] = make([]float64, dim)
		for i := range dim {
			centres[c][i] = rng.NormFloat64()
		}
	}
	m := vec.NewMatrix(n, dim)
	truth := make([]int, n)
	for r := range n {
		c := rng.IntN(k)
		truth[r] = c
		row := m.Row(r)
		for i := range dim {
			row[i] = float32(centres[c][i] + noise*rng.NormFloat64())
		}
		vec.Normalize(row)
	}
	return m, truth
}

// samePartition reports whether two labellings induce the same partition.
func samePartition(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if x, ok := ab[a[i]]; ok && x != b[i] {
			return false
		}
		if y, ok := ba[b[i]]; ok && y != a[i] {
			return false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return true
}

// checkCanonical checks that labels are numbered by smallest member.
func checkCanonical(t *testing.T, res *Result) {
	t.Helper()
	next := 0
	for i, l := range res.Labels {
		if l > next || l < 0 {
			t.Fatalf("label %d of face %d breaks smallest-member order (next new label %d)", l, i, next)
		}
		if l == next {
			next++
		}
	}
	if next != res.NumClusters {
		t.Fatalf("NumClusters = %d, labels use %d", res.NumClusters, next)
	}
}

// naive is the O(N³) reference: from the must-link groups, merge the closest
// pair of clusters (linkage distance recomputed from scratch in float64 from
// float64 distances; infinite across a cannot-link pair), ties broken by
// smallest members, while the distance is at most t. It reports as
// ambiguous a run in which some step's best distance is within eps of the
// second best (of a pair sharing a cluster) or of the threshold: there
// float32 rounding may legitimately change the outcome.
func naive(x vec.Matrix, groups [][]int, cannot []Pair, l Linkage, t float64, eps float64) (labels []int, ambiguous bool) {
	n := x.Rows
	d := make([][]float64, n)
	for i := range n {
		d[i] = make([]float64, n)
		for j := range n {
			var s float64
			a, b := x.Row(i), x.Row(j)
			for k := range a {
				s += float64(a[k]) * float64(b[k])
			}
			d[i][j] = 1 - s
		}
	}
	cl := make(map[Pair]bool)
	for _, p := range cannot {
		cl[ordered(p.A, p.B)] = true
	}
	uf := newUnionFind(n)
	for _, g := range groups {
		for _, f := range g[1:] {
			uf.union(g[0], f)
		}
	}
	link := func(A, B []int) float64 {
		var s float64
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, a := range A {
			for _, b := range B {
				if cl[ordered(a, b)] {
					return math.Inf(1)
				}
				s += d[a][b]
				lo, hi = min(lo, d[a][b]), max(hi, d[a][b])
			}
		}
		switch l {
		case Complete:
			return hi
		case Single:
			return lo
		}
		return s / float64(len(A)*len(B))
	}
	for {
		var cs [][]int
		byRoot := map[int]int{}
		for i := range n {
			r := uf.find(i)
			k, ok := byRoot[r]
			if !ok {
				k = len(cs)
				byRoot[r] = k
				cs = append(cs, nil)
			}
			cs[k] = append(cs[k], i)
		}
		type cand struct {
			a, b int
			d    float64
		}
		var all []cand
		for a := range cs {
			for b := a + 1; b < len(cs); b++ {
				all = append(all, cand{a, b, link(cs[a], cs[b])})
			}
		}
		if len(all) == 0 {
			break
		}
		slices.SortStableFunc(all, func(p, q cand) int {
			switch {
			case p.d < q.d:
				return -1
			case p.d > q.d:
				return 1
			}
			return 0
		})
		best := all[0]
		if math.Abs(best.d-t) < eps {
			ambiguous = true
		}
		for _, c := range all[1:] {
			if c.d-best.d >= eps {
				break
			}
			if c.a == best.a || c.a == best.b || c.b == best.a || c.b == best.b {
				ambiguous = true
			}
		}
		if !(best.d <= t) {
			break
		}
		uf.union(cs[best.a][0], cs[best.b][0])
	}
	labels, _ = uf.labels()
	return labels, ambiguous
}
