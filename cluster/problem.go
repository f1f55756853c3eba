package cluster

import (
	"math"
	"slices"

	"github.com/facecluster/facecluster/vec"
)

// problem is what the agglomeration cores see: unit features, must-link
// groups and cannot-link pairs, all in the problem's own face numbering.
type problem struct {
	x      vec.Matrix
	groups [][]int
	cannot []Pair
}

// core returns the problem, restricted to the active faces, and the input
// index of each of its faces (nil if it holds every face).
func (p *prepared) core() (problem, []int) {
	if p.active == nil {
		return problem{x: p.x, groups: p.groups, cannot: p.cannot}, nil
	}
	idx := make([]int, 0, p.n)
	local := make([]int, p.n)
	for i, a := range p.active {
		local[i] = -1
		if a {
			local[i] = len(idx)
			idx = append(idx, i)
		}
	}
	x := vec.NewMatrix(len(idx), p.dim)
	for k, i := range idx {
		copy(x.Row(k), p.x.Row(i))
	}
	pb := problem{x: x}
	for _, g := range p.groups {
		if local[g[0]] < 0 {
			continue
		}
		lg := make([]int, len(g))
		for k, f := range g {
			lg[k] = local[f]
		}
		pb.groups = append(pb.groups, lg)
	}
	for _, pr := range p.cannot {
		if a, b := local[pr.A], local[pr.B]; a >= 0 && b >= 0 {
			pb.cannot = append(pb.cannot, Pair{a, b})
		}
	}
	return pb, idx
}

// finish maps the core's union-find and merges (over the problem's faces)
// back to input faces, attaches the faces left out of the core, and returns
// the labelled result.
func (p *prepared) finish(uf *unionFind, merges []Merge, idx []int, opt *Options) *Result {
	if idx == nil {
		lab, nc := uf.labels()
		return &Result{Labels: lab, NumClusters: nc, Merges: merges}
	}
	for k := range merges {
		merges[k].A, merges[k].B = idx[merges[k].A], idx[merges[k].B]
	}
	// Clusters of the active faces, by local root.
	full := newUnionFind(p.n)
	for k, i := range idx {
		if r := uf.find(k); r != k {
			full.union(idx[r], i)
		}
	}
	merges = p.attach(full, merges, opt)
	lab, nc := full.labels()
	return &Result{Labels: lab, NumClusters: nc, Merges: merges}
}

// attach joins each inactive unit (a must-link group or a lone face) to the
// active cluster nearest to it under the linkage, if within the threshold and
// allowed by the cannot-link pairs; otherwise the unit stays a cluster of its
// own. Units are attached independently of each other, to the clusters of
// active faces only.
func (p *prepared) attach(uf *unionFind, merges []Merge, opt *Options) []Merge {
	// Units of inactive faces.
	inGroup := make([]int, p.n)
	for i := range inGroup {
		inGroup[i] = -1
	}
	for g, members := range p.groups {
		for _, f := range members {
			inGroup[f] = g
		}
	}
	var activeIdx []int
	for i, a := range p.active {
		if a {
			activeIdx = append(activeIdx, i)
		}
	}
	if len(activeIdx) == 0 {
		for _, g := range p.groups {
			for _, f := range g[1:] {
				uf.union(g[0], f)
				merges = append(merges, Merge{A: g[0], B: f, Forced: true})
			}
		}
		return merges
	}
	// Root of each active face's cluster, fixed before any attachment.
	root := make([]int, p.n)
	for _, i := range activeIdx {
		root[i] = uf.find(i)
	}
	ax := vec.NewMatrix(len(activeIdx), p.dim)
	for k, i := range activeIdx {
		copy(ax.Row(k), p.x.Row(i))
	}
	// Cannot-link partners of each face.
	partners := make(map[int][]int)
	for _, pr := range p.cannot {
		partners[pr.A] = append(partners[pr.A], pr.B)
		partners[pr.B] = append(partners[pr.B], pr.A)
	}
	dist := make([]float32, len(activeIdx))
	type agg struct {
		sum      float64
		min, max float32
		n        int
	}
	done := make([]bool, p.n)
	// attachedTo holds the (pre-attachment) active root an inactive face
	// joined, or -1: later units must not join a cluster holding one of
	// their cannot-link partners either.
	attachedTo := make([]int, p.n)
	for i := range attachedTo {
		attachedTo[i] = -1
	}
	for i, a := range p.active {
		if a || done[i] {
			continue
		}
		unit := []int{i}
		if g := inGroup[i]; g >= 0 {
			unit = p.groups[g]
		}
		forbidden := make(map[int]bool)
		aggs := make(map[int]*agg)
		for _, f := range unit {
			done[f] = true
			for _, q := range partners[f] {
				if p.active[q] {
					forbidden[root[q]] = true
				} else if attachedTo[q] >= 0 {
					forbidden[attachedTo[q]] = true
				}
			}
			vec.Distances(p.x.Row(f), ax, vec.Cosine, dist)
			for k, d := range dist {
				r := root[activeIdx[k]]
				g := aggs[r]
				if g == nil {
					g = &agg{min: float32(math.Inf(1)), max: float32(math.Inf(-1))}
					aggs[r] = g
				}
				g.sum += float64(d)
				g.min = min(g.min, d)
				g.max = max(g.max, d)
				g.n++
			}
		}
		best, bestD := -1, float32(math.Inf(1))
		roots := make([]int, 0, len(aggs))
		for r := range aggs {
			roots = append(roots, r)
		}
		slices.Sort(roots)
		for _, r := range roots {
			if forbidden[r] {
				continue
			}
			g := aggs[r]
			var d float32
			switch opt.Linkage {
			case Complete:
				d = g.max
			case Single:
				d = g.min
			default:
				d = float32(g.sum / float64(g.n))
			}
			if d < bestD {
				best, bestD = r, d
			}
		}
		for _, f := range unit[1:] {
			uf.union(unit[0], f)
			merges = append(merges, Merge{A: unit[0], B: f, Forced: true})
		}
		if best >= 0 && bestD <= opt.Threshold {
			for _, f := range unit {
				attachedTo[f] = best
			}
			a, b := uf.find(best), uf.find(unit[0])
			uf.union(a, b)
			m := ordered(a, b)
			merges = append(merges, Merge{A: m.A, B: m.B, Distance: bestD})
		}
	}
	return merges
}
