// Package clusterbench holds baselines and benchmarks for package cluster:
// Chinese Whispers (as dlib runs it for face clustering) and DBSCAN (as
// Immich runs it), synthetic clustered features calibrated to the
// genuine/impostor distances of each feature mode, and Go benchmarks of
// speed, peak memory and quality on them.
//
// Run the benchmarks from the bench module with
//
//	cd bench && go test -run '^$' -bench 'Exact|Sparse|Baselines' -benchtime 1x ./cluster/
//	cd bench && go test -run '^$' -bench IVF1M -benchtime 1x -timeout 30m ./cluster/
//
// Each reports, besides ns/op, the process CPU seconds of the call (cpu-s;
// on a shared machine wall time overstates the work), the peak heap growth
// (peak-MiB, sampled from runtime.MemStats every 5 ms), BCubed and pairwise
// F against the synthetic truth, the number of clusters and, for
// approximate searches, the kNN recall.
package clusterbench

import (
	"math"
	"math/rand/v2"
	"sync"

	"github.com/facecluster/facecluster/vec"
)

// Mode describes the distance distributions of one kind of face feature.
type Mode struct {
	// Name names the mode.
	Name string
	// Dim is the feature dimension.
	Dim int
	// Genuine and Impostor are the mean cosine distances between two faces
	// of one person and of two people.
	Genuine, Impostor float64
	// Threshold is the clustering threshold used with this mode.
	Threshold float32
	// IdentityRank, if positive, confines the people's centres (beyond
	// the shared direction) to a random subspace of that dimension, as
	// the identity information of learned features occupies fewer
	// dimensions than the feature has; noise stays isotropic. 0 means Dim.
	IdentityRank int
}

// The two feature modes. Fast is dlib's 128-d ResNet: unit features whose
// Euclidean distances are about 0.3-0.5 for one person and 0.7-1.0 between
// people (dlib's decision threshold is 0.6), so cosine distances (half the
// squared Euclidean ones) of about 0.08 and 0.35, threshold 0.18. Accurate
// is the 1152-d fusion of dlib and faceres; until the embedder lands its
// distributions are assumed ArcFace-like after fusion: about 0.30 and 0.75,
// threshold 0.5, with identity in a 384-d subspace (dlib's 128 dimensions
// plus an assumed effective rank of 256 for faceres). Re-calibrate both
// from the dev photos once features exist.
var (
	Fast     = Mode{Name: "fast", Dim: 128, Genuine: 0.08, Impostor: 0.35, Threshold: 0.18}
	Accurate = Mode{Name: "accurate", Dim: 1152, Genuine: 0.30, Impostor: 0.75, Threshold: 0.5, IdentityRank: 384}
)

// Generate returns n unit features of the mode and the person of each.
//
// People have centres c = √ρ·u + √(1-ρ)·g (u shared, g random), and a
// face is c plus isotropic noise of norm f·σ, normalised: then one person's
// faces are at cosine distance about 1 - 1/(1+σ²) and two people's at
// 1 - ρ/(1+σ²), which fixes σ and ρ from the mode's means. To give the
// distributions realistic tails, the noise factor f is 0.75-1.15 for most
// faces but 1.3-2.1 for one face in seven (profile, blur, occlusion), and
// one person in ten is a look-alike of an earlier one (centre 0.3·c' +
// 0.7·g, like a sibling). Album-like sizes: person p is drawn with
// probability proportional to 1/(p+10), over n/8 people.
func Generate(m Mode, n int, seed uint64) (vec.Matrix, []int) {
	s2 := 1/(1-m.Genuine) - 1
	sigma := math.Sqrt(s2)
	rho := (1 - m.Impostor) / (1 - m.Genuine)
	people := max(1, n/8)
	rng := rand.New(rand.NewPCG(seed, uint64(m.Dim)))
	u := randomUnit(rng, m.Dim)
	rank := m.IdentityRank
	if rank <= 0 || rank > m.Dim {
		rank = m.Dim
	}
	var basis [][]float64 // rows spanning the identity subspace
	if rank < m.Dim {
		basis = make([][]float64, rank)
		for r := range basis {
			basis[r] = randomUnit(rng, m.Dim)
		}
	}
	centres := vec.NewMatrix(people, m.Dim)
	for p := range people {
		g := randomUnit(rng, m.Dim)
		if basis != nil {
			h := randomUnit(rng, rank)
			clear(g)
			for r, b := range basis {
				for i := range g {
					g[i] += h[r] * b[i]
				}
			}
			normalize64(g)
		}
		c := centres.Row(p)
		for i := range c {
			c[i] = float32(math.Sqrt(rho)*u[i] + math.Sqrt(1-rho)*g[i])
		}
		vec.Normalize(c)
		if p > 0 && rng.IntN(10) == 0 {
			q := centres.Row(rng.IntN(p))
			for i := range c {
				c[i] = 0.3*q[i] + 0.7*c[i]
			}
			vec.Normalize(c)
		}
	}
	// Cumulative weights of the people.
	cum := make([]float64, people)
	var tot float64
	for p := range people {
		tot += 1 / float64(p+10)
		cum[p] = tot
	}
	truth := make([]int, n)
	for i := range truth {
		r := rng.Float64() * tot
		lo, hi := 0, people-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] < r {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		truth[i] = lo
	}
	x := vec.NewMatrix(n, m.Dim)
	const chunk = 4096
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(lo)))
			scale := sigma / math.Sqrt(float64(m.Dim))
			for i := lo; i < min(lo+chunk, n); i++ {
				row, c := x.Row(i), centres.Row(truth[i])
				f := scale * (0.75 + 0.4*r.Float64())
				if r.IntN(7) == 0 {
					f = scale * (1.3 + 0.8*r.Float64())
				}
				for k := range row {
					row[k] = c[k] + float32(f*r.NormFloat64())
				}
				vec.Normalize(row)
			}
		})
	}
	wg.Wait()
	return x, truth
}

func normalize64(v []float64) {
	var s float64
	for _, x := range v {
		s += x * x
	}
	s = math.Sqrt(s)
	for i := range v {
		v[i] /= s
	}
}

func randomUnit(rng *rand.Rand, dim int) []float64 {
	v := make([]float64, dim)
	var s float64
	for i := range v {
		v[i] = rng.NormFloat64()
		s += v[i] * v[i]
	}
	s = math.Sqrt(s)
	for i := range v {
		v[i] /= s
	}
	return v
}
