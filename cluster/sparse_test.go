package cluster

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/facecluster/facecluster/vec"
)

// bruteKNN returns each row's k nearest other rows by vec.TopK over all
// distances.
func bruteKNN(x vec.Matrix, k int) [][]int {
	out := make([][]int, x.Rows)
	dist := make([]float32, x.Rows)
	for i := range x.Rows {
		vec.Distances(x.Row(i), x, vec.Cosine, dist)
		dist[i] = float32(math.Inf(1))
		out[i] = vec.TopK(dist, k)
	}
	return out
}

// recall is the fraction of the true neighbours found in g.
func recall(g *neighbours, truth [][]int) float64 {
	var found, total int
	for i, want := range truth {
		got, _ := g.row(i)
		set := map[int32]bool{}
		for _, j := range got {
			set[j] = true
		}
		for _, j := range want {
			total++
			if set[int32(j)] {
				found++
			}
		}
	}
	return float64(found) / float64(total)
}

func TestKNNExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{2, 3, 17, 300, 1100} {
		for _, dim := range []int{3, 40} {
			x, _ := blobs(rng, n, dim, 5, 0.5)
			k := min(8, n-1)
			truth := bruteKNN(x, k)
			for w := 1; w <= 3; w++ {
				g := knnExact(x, k, float32(math.Inf(1)), w)
				for i := range n {
					got, gd := g.row(i)
					if len(got) != k {
						t.Fatalf("n=%d: row %d has %d neighbours, want %d", n, i, len(got), k)
					}
					for r := range got {
						if int(got[r]) != truth[i][r] {
							// Allow only a rounding-level tie.
							d := 1 - vec.Dot(x.Row(i), x.Row(truth[i][r]))
							if math.Abs(float64(d-gd[r])) > 1e-6 {
								t.Fatalf("n=%d dim=%d w=%d: row %d neighbour %d is %d (%v), want %d (%v)", n, dim, w, i, r, got[r], gd[r], truth[i][r], d)
							}
						}
						if r > 0 && less(gd[r], got[r], gd[r-1], got[r-1]) {
							t.Fatalf("row %d not sorted", i)
						}
					}
				}
			}
			// Pruned at a distance: exactly the neighbours within it.
			g := knnExact(x, k, 0.2, 2)
			for i := range n {
				got, gd := g.row(i)
				for _, d := range gd {
					if d > 0.2 {
						t.Fatalf("neighbour beyond maxDist: %v", d)
					}
				}
				want := 0
				for _, j := range truth[i] {
					if 1-vec.Dot(x.Row(i), x.Row(j)) <= 0.2-1e-6 {
						want++
					}
				}
				if len(got) < want {
					t.Fatalf("row %d: %d neighbours within 0.2, want at least %d", i, len(got), want)
				}
			}
		}
	}
}

// TestSparseEqualsExact checks that with K >= N-1 Sparse gives the partition
// of Exact (average linkage) and of the naive reference.
func TestSparseEqualsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	trials, compared := 60, 0
	if testing.Short() {
		trials = 20
	}
	for trial := range trials {
		n := 2 + rng.IntN(60)
		x, _ := blobs(rng, n, 2+rng.IntN(12), 1+rng.IntN(8), 0.2+rng.Float64())
		in := &Input{Features: x}
		if trial%2 == 1 {
			in.MustLink, in.CannotLink, in.Photos = randomConstraints(rng, n)
		}
		thr := float32(0.05 + rng.Float64()*0.9)
		want, amb := referenceLabels(t, in, Average, thr, 1e-5)
		if amb {
			continue
		}
		compared++
		ex, err := Exact(in, Options{Threshold: thr})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{n - 1, n + 5} {
			sp, err := Sparse(in, SparseOptions{Options: Options{Threshold: thr}, K: k})
			if err != nil {
				t.Fatal(err)
			}
			checkCanonical(t, sp)
			if !samePartition(sp.Labels, ex.Labels) || !samePartition(sp.Labels, want) {
				t.Fatalf("trial %d n=%d K=%d t=%v: Sparse %v, Exact %v, naive %v", trial, n, k, thr, sp.Labels, ex.Labels, want)
			}
		}
	}
	if compared < trials/2 {
		t.Fatalf("only %d of %d trials unambiguous", compared, trials)
	}
}

// TestSparseQuality checks that small K, a reduced-dimension search and
// the IVF index stay close to Exact on clustered data, and that their
// neighbour searches reach high recall.
func TestSparseQuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := 2000
	if testing.Short() {
		n = 600
	}
	x, truth := blobs(rng, n, 64, n/20, 0.8)
	thr := float32(0.55)
	ex, err := Exact(&Input{Features: x}, Options{Threshold: thr})
	if err != nil {
		t.Fatal(err)
	}
	exs, _ := Evaluate(ex.Labels, truth)
	k := 10
	knn := bruteKNN(x, k)
	cases := []struct {
		name string
		opt  SparseOptions
	}{
		{"exact-k10", SparseOptions{K: k}},
		{"reduced-16", SparseOptions{K: k, SearchDim: 16}},
		{"ivf", SparseOptions{K: k, Index: IndexIVF, IVF: IVFOptions{Probe: 6}}},
	}
	for _, c := range cases {
		c.opt.Threshold = thr
		res, err := Sparse(&Input{Features: x}, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := Evaluate(res.Labels, ex.Labels)
		st, _ := Evaluate(res.Labels, truth)
		g, _ := buildGraph(x, &SparseOptions{K: k, Options: Options{Threshold: 2}, SearchDim: c.opt.SearchDim, Index: c.opt.Index, IVF: c.opt.IVF})
		r := recall(g, knn)
		t.Logf("%s: BCubed F vs exact %.4f, vs truth %.4f (exact %.4f), kNN recall@%d %.4f", c.name, s.BCubedF, st.BCubedF, exs.BCubedF, k, r)
		if s.BCubedF < 0.97 || r < 0.9 {
			t.Errorf("%s: BCubed F vs exact %.4f, recall %.4f", c.name, s.BCubedF, r)
		}
	}
}

func TestSparseOptionErrors(t *testing.T) {
	x, _ := blobs(rand.New(rand.NewPCG(1, 1)), 10, 4, 2, 0.3)
	for _, o := range []SparseOptions{
		{Options: Options{Threshold: 0.3, Linkage: Complete}},
		{Options: Options{Threshold: 0.3}, K: -1},
		{Options: Options{Threshold: 0.3}, Index: 9},
		{Options: Options{Threshold: 0.3}, IVF: IVFOptions{Probe: -2}},
	} {
		if _, err := Sparse(&Input{Features: x}, o); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: err %v, want ErrOptions", o, err)
		}
	}
}

func TestPCABasisOrthonormal(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	x, _ := blobs(rng, 500, 48, 10, 0.3)
	b := pcaBasis(x, 12, 2)
	for i := range b.Rows {
		for j := range b.Rows {
			d := float64(vec.Dot(b.Row(i), b.Row(j)))
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(d-want) > 1e-4 {
				t.Fatalf("basis rows %d, %d: dot %v", i, j, d)
			}
		}
	}
	_ = fmt.Sprint()
}

func TestNearestNeighbours(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	x, _ := blobs(rng, 200, 8, 5, 0.5)
	g, err := NearestNeighbours(x, SparseOptions{Options: Options{Threshold: 2}, K: 5})
	if err != nil {
		t.Fatal(err)
	}
	truth := bruteKNN(x, 5)
	if g.Len() != 200 {
		t.Fatalf("Len %d", g.Len())
	}
	for i := range 200 {
		nb, d := g.Row(i)
		if len(nb) != 5 || len(d) != 5 {
			t.Fatalf("row %d: %d neighbours", i, len(nb))
		}
		for r := range nb {
			if int(nb[r]) != truth[i][r] && math.Abs(float64(d[r]-(1-vec.Dot(x.Row(i), x.Row(truth[i][r]))))) > 1e-6 {
				t.Fatalf("row %d: %v, want %v", i, nb, truth[i])
			}
		}
	}
	x.Data[17] = float32(math.NaN())
	if _, err := NearestNeighbours(x, SparseOptions{Options: Options{Threshold: 2}}); !errors.Is(err, ErrFeature) {
		t.Fatalf("NaN feature: %v", err)
	}
}

func TestSymmetrized(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	x, _ := blobs(rng, 300, 6, 10, 0.5)
	g := knnExact(x, 5, float32(math.Inf(1)), 2)
	// Drop half of each row's entries, then symmetrize: every kept edge
	// must appear in both directions unless the far row is full of
	// nearer neighbours, and rows stay sorted without repeats.
	for i := range g.cnt {
		g.cnt[i] = (g.cnt[i] + 1) / 2
	}
	s := g.symmetrized()
	for i := range s.cnt {
		nb, d := s.row(i)
		seen := map[int32]bool{}
		for r := range nb {
			if seen[nb[r]] || int(nb[r]) == i {
				t.Fatalf("row %d: repeated or self entry in %v", i, nb)
			}
			seen[nb[r]] = true
			if r > 0 && less(d[r], nb[r], d[r-1], nb[r-1]) {
				t.Fatalf("row %d not sorted: %v %v", i, nb, d)
			}
		}
		gn, gd := g.row(i)
		for r, j := range gn {
			back, bd := s.row(int(j))
			if !slices.Contains(back, int32(i)) && (len(back) < s.k || less(gd[r], int32(i), bd[len(bd)-1], back[len(back)-1])) {
				t.Fatalf("edge %d-%d (%v) not offered back: row %d = %v %v", i, j, gd[r], j, back, bd)
			}
		}
	}
}
