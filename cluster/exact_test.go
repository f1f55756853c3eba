package cluster

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/vec"
)

// randomConstraints returns random must-link and cannot-link pairs and photo
// IDs for n faces, free of conflicts.
func randomConstraints(rng *rand.Rand, n int) (must, cannot []Pair, photos []uint64) {
	photos = make([]uint64, n)
	for i := range photos {
		if rng.IntN(3) == 0 {
			photos[i] = uint64(1 + rng.IntN(max(1, n/3)))
		}
	}
	for range rng.IntN(n/2 + 1) {
		cannot = append(cannot, Pair{rng.IntN(n), rng.IntN(n)})
	}
	uf := newUnionFind(n)
	forbidden := func(a, b int) bool {
		ra, rb := uf.find(a), uf.find(b)
		for _, p := range cannot {
			if pa, pb := uf.find(p.A), uf.find(p.B); (pa == ra && pb == rb) || (pa == rb && pb == ra) {
				return true
			}
		}
		for i := range n {
			for j := range n {
				if photos[i] != 0 && photos[i] == photos[j] && i != j {
					if ri, rj := uf.find(i), uf.find(j); (ri == ra && rj == rb) || (ri == rb && rj == ra) {
						return true
					}
				}
			}
		}
		return false
	}
	// Drop self pairs from cannot-link (an error case, tested apart).
	c := cannot[:0]
	for _, p := range cannot {
		if p.A != p.B {
			c = append(c, p)
		}
	}
	cannot = c
	for range rng.IntN(n/3 + 1) {
		a, b := rng.IntN(n), rng.IntN(n)
		if uf.find(a) != uf.find(b) && !forbidden(a, b) {
			must = append(must, Pair{a, b})
			uf.union(a, b)
		}
	}
	return must, cannot, photos
}

// checkConstraints fails t if res breaks a constraint of in.
func checkConstraints(t *testing.T, in *Input, res *Result) {
	t.Helper()
	for _, p := range in.MustLink {
		if res.Labels[p.A] != res.Labels[p.B] {
			t.Fatalf("must-link %v split: labels %d, %d", p, res.Labels[p.A], res.Labels[p.B])
		}
	}
	for _, p := range in.CannotLink {
		if res.Labels[p.A] == res.Labels[p.B] {
			t.Fatalf("cannot-link %v joined in cluster %d", p, res.Labels[p.A])
		}
	}
	if in.Photos != nil {
		seen := map[[2]int]int{}
		for i, ph := range in.Photos {
			if ph == 0 {
				continue
			}
			k := [2]int{int(ph), res.Labels[i]}
			if j, ok := seen[k]; ok {
				t.Fatalf("faces %d and %d of photo %d joined in cluster %d", j, i, ph, res.Labels[i])
			}
			seen[k] = i
		}
	}
}

// referenceLabels runs the naive reference on in.
func referenceLabels(t *testing.T, in *Input, l Linkage, thr float32, eps float64) ([]int, bool) {
	t.Helper()
	p, err := prepare(in, &Options{Threshold: thr, Linkage: l})
	if err != nil {
		t.Fatal(err)
	}
	return naive(p.x, p.groups, p.cannot, l, float64(thr), eps)
}

func TestExactMatchesNaive(t *testing.T) {
	for _, constrained := range []bool{false, true} {
		for _, l := range linkages {
			t.Run(fmt.Sprintf("%v/constraints=%v", l, constrained), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(l)+10*b2u(constrained)))
				trials, compared := 60, 0
				if testing.Short() {
					trials = 20
				}
				for trial := range trials {
					n := 2 + rng.IntN(35)
					dim := 2 + rng.IntN(10)
					x, _ := blobs(rng, n, dim, 1+rng.IntN(6), 0.2+rng.Float64())
					in := &Input{Features: x}
					if constrained {
						in.MustLink, in.CannotLink, in.Photos = randomConstraints(rng, n)
					}
					thr := float32(0.05 + rng.Float64()*0.9)
					want, amb := referenceLabels(t, in, l, thr, 1e-5)
					if amb {
						continue
					}
					compared++
					for name, run := range exactOnes(l) {
						res, err := run(in, Options{Threshold: thr, Linkage: l})
						if err != nil {
							t.Fatal(err)
						}
						checkCanonical(t, res)
						checkConstraints(t, in, res)
						if !samePartition(res.Labels, want) {
							t.Fatalf("trial %d (n=%d, t=%v): %s %v, naive %v", trial, n, thr, name, res.Labels, want)
						}
					}
				}
				if compared < trials/2 {
					t.Fatalf("only %d of %d trials unambiguous", compared, trials)
				}
			})
		}
	}
}

// withDense returns Exact run with denseEdgeFraction set to f: 2 forces
// candidate lists, a tiny value forces the dense scan.
func withDense(f float64) func(*Input, Options) (*Result, error) {
	return func(in *Input, opt Options) (*Result, error) {
		defer func(old float64) { denseEdgeFraction = old }(denseEdgeFraction)
		denseEdgeFraction = f
		return Exact(in, opt)
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// TestConstraintsNeverViolated runs every algorithm on random inputs with
// random constraint sets, at thresholds that would merge everything.
func TestConstraintsNeverViolated(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	trials := 40
	if testing.Short() {
		trials = 10
	}
	for trial := range trials {
		n := 2 + rng.IntN(120)
		x, _ := blobs(rng, n, 8, 1+rng.IntN(4), 0.5)
		in := &Input{Features: x}
		in.MustLink, in.CannotLink, in.Photos = randomConstraints(rng, n)
		for _, l := range linkages {
			for _, thr := range []float32{0.3, 2} {
				opt := Options{Threshold: thr, Linkage: l}
				for name, run := range algorithms(l) {
					res, err := run(in, opt)
					if err != nil {
						t.Fatalf("trial %d %s %v: %v", trial, name, l, err)
					}
					checkCanonical(t, res)
					checkConstraints(t, in, res)
				}
			}
		}
	}
}

// algorithms returns the clustering functions to check, by name. Those
// that support average linkage only are included for Average.
func algorithms(l Linkage) map[string]func(*Input, Options) (*Result, error) {
	m := map[string]func(*Input, Options) (*Result, error){
		"exact":        Exact,
		"exact-dense":  withDense(1e-9),
		"exact-sparse": withDense(2),
	}
	if l == Average {
		m["sparse-complete"] = func(in *Input, o Options) (*Result, error) {
			return Sparse(in, SparseOptions{Options: o, K: max(1, in.Features.Rows)})
		}
		m["sparse-k3"] = func(in *Input, o Options) (*Result, error) {
			return Sparse(in, SparseOptions{Options: o, K: 3})
		}
		m["sparse-reduced"] = func(in *Input, o Options) (*Result, error) {
			return Sparse(in, SparseOptions{Options: o, K: 4, SearchDim: 2})
		}
		m["sparse-ivf"] = func(in *Input, o Options) (*Result, error) {
			return Sparse(in, SparseOptions{Options: o, K: 4, Index: IndexIVF, IVF: IVFOptions{Lists: 3, Probe: 2}})
		}
	}
	return m
}

// exactOnes returns the algorithms expected to match the naive reference.
func exactOnes(l Linkage) map[string]func(*Input, Options) (*Result, error) {
	m := algorithms(l)
	for name := range m {
		if name != "exact" && name != "exact-dense" && name != "exact-sparse" && name != "sparse-complete" {
			delete(m, name)
		}
	}
	return m
}

func TestExactPermutationInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, l := range linkages {
		for trial := range 10 {
			n := 50 + rng.IntN(100)
			x, _ := blobs(rng, n, 16, 8, 0.5)
			res, err := Exact(&Input{Features: x}, Options{Threshold: 0.3, Linkage: l})
			if err != nil {
				t.Fatal(err)
			}
			perm := rng.Perm(n)
			y := vec.NewMatrix(n, x.Dim)
			for i, p := range perm {
				copy(y.Row(i), x.Row(p))
			}
			res2, err := Exact(&Input{Features: y}, Options{Threshold: 0.3, Linkage: l, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			back := make([]int, n)
			for i, p := range perm {
				back[p] = res2.Labels[i]
			}
			if !samePartition(res.Labels, back) {
				t.Fatalf("%v trial %d: partition changes with input order", l, trial)
			}
			if res.NumClusters < 2 || res.NumClusters == n {
				t.Logf("%v trial %d: degenerate %d clusters of %d", l, trial, res.NumClusters, n)
			}
		}
	}
}

// TestExactTies clusters points with many exactly equal distances
// (duplicates and a lattice) and checks the result is the same on every run
// and with any number of workers, and that complete linkage keeps every
// pair within the threshold.
func TestExactTies(t *testing.T) {
	x := vec.NewMatrix(60, 3)
	for i := range 60 {
		r := x.Row(i)
		r[0], r[1], r[2] = float32(i%4), float32((i/4)%3), 1
		vec.Normalize(r)
	}
	for _, l := range linkages {
		var first *Result
		for w := 1; w <= 3; w++ {
			res, err := Exact(&Input{Features: x}, Options{Threshold: 0.1, Linkage: l, Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			checkCanonical(t, res)
			if first == nil {
				first = res
			} else if fmt.Sprint(first.Labels) != fmt.Sprint(res.Labels) {
				t.Fatalf("%v: labels change with workers", l)
			}
			if l == Complete {
				for i := range 60 {
					for j := range 60 {
						if res.Labels[i] == res.Labels[j] && 1-vec.Dot(x.Row(i), x.Row(j)) > 0.1+1e-6 {
							t.Fatalf("complete linkage joined faces %d and %d beyond the threshold", i, j)
						}
					}
				}
			}
		}
	}
}

func TestExactSmall(t *testing.T) {
	for n := range 3 {
		x := vec.NewMatrix(n, 2)
		for i := range n {
			x.Row(i)[0] = 1
		}
		res, err := Exact(&Input{Features: x}, Options{Threshold: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Labels) != n || res.NumClusters != min(n, 1) {
			t.Fatalf("n=%d: %+v", n, res)
		}
	}
}

func TestExactNormalises(t *testing.T) {
	x := vec.Matrix{Rows: 3, Dim: 2, Data: []float32{3, 0, 0, 5, 2, 0.1}}
	orig := append([]float32(nil), x.Data...)
	res, err := Exact(&Input{Features: x}, Options{Threshold: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Labels) != "[0 1 0]" {
		t.Fatalf("labels %v, want [0 1 0]", res.Labels)
	}
	if fmt.Sprint(orig) != fmt.Sprint(x.Data) {
		t.Fatalf("input modified: %v", x.Data)
	}
}

func TestInputErrors(t *testing.T) {
	good := func() *Input {
		return &Input{Features: vec.Matrix{Rows: 3, Dim: 2, Data: []float32{1, 0, 0, 1, 1, 1}}}
	}
	nan := float32(math.NaN())
	cases := []struct {
		name string
		edit func(in *Input, o *Options)
		want error
		text string
	}{
		{"nan", func(in *Input, o *Options) { in.Features.Data[3] = nan }, ErrFeature, "face 1"},
		{"inf", func(in *Input, o *Options) { in.Features.Data[4] = float32(math.Inf(-1)) }, ErrFeature, "face 2"},
		{"zero", func(in *Input, o *Options) { in.Features.Data[2], in.Features.Data[3] = 0, 0 }, ErrFeature, "face 1"},
		{"short data", func(in *Input, o *Options) { in.Features.Data = in.Features.Data[:5] }, ErrDimension, ""},
		{"dim 0", func(in *Input, o *Options) { in.Features.Dim = 0 }, ErrDimension, ""},
		{"must range", func(in *Input, o *Options) { in.MustLink = []Pair{{0, 3}} }, ErrConstraint, "MustLink[0]"},
		{"cannot range", func(in *Input, o *Options) { in.CannotLink = []Pair{{-1, 0}} }, ErrConstraint, "CannotLink[0]"},
		{"cannot self", func(in *Input, o *Options) { in.CannotLink = []Pair{{1, 1}} }, ErrConflict, "face 1"},
		{"conflict", func(in *Input, o *Options) {
			in.MustLink = []Pair{{0, 1}, {1, 2}}
			in.CannotLink = []Pair{{2, 0}}
		}, ErrConflict, "faces 0 and 2"},
		{"photo conflict", func(in *Input, o *Options) {
			in.MustLink = []Pair{{0, 2}}
			in.Photos = []uint64{7, 0, 7}
		}, ErrConflict, "faces 0 and 2"},
		{"photos len", func(in *Input, o *Options) { in.Photos = []uint64{1} }, ErrConstraint, "Photos"},
		{"quality len", func(in *Input, o *Options) { in.Quality = []float32{1} }, ErrConstraint, "Quality"},
		{"quality nan", func(in *Input, o *Options) { in.Quality = []float32{1, nan, 1} }, ErrFeature, "face 1"},
		{"threshold nan", func(in *Input, o *Options) { o.Threshold = nan }, ErrOptions, ""},
		{"threshold neg", func(in *Input, o *Options) { o.Threshold = -1 }, ErrOptions, ""},
		{"threshold inf", func(in *Input, o *Options) { o.Threshold = float32(math.Inf(1)) }, ErrOptions, ""},
		{"linkage", func(in *Input, o *Options) { o.Linkage = 7 }, ErrOptions, "Linkage(7)"},
		{"workers", func(in *Input, o *Options) { o.Workers = -1 }, ErrOptions, ""},
	}
	for _, c := range cases {
		for name, run := range algorithms(Average) {
			in, opt := good(), Options{Threshold: 0.5}
			c.edit(in, &opt)
			_, err := run(in, opt)
			if !errors.Is(err, c.want) {
				t.Fatalf("%s %s: err %v, want %v", name, c.name, err, c.want)
			}
			if c.text != "" && !contains(err.Error(), c.text) {
				t.Fatalf("%s %s: error %q does not name %q", name, c.name, err, c.text)
			}
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestMatrixOf(t *testing.T) {
	m, err := MatrixOf([][]float32{{1, 2}, {3, 4}})
	if err != nil || m.Rows != 2 || m.Dim != 2 || fmt.Sprint(m.Data) != "[1 2 3 4]" {
		t.Fatalf("MatrixOf: %+v, %v", m, err)
	}
	_, err = MatrixOf([][]float32{{1, 2}, {3, 4}, {5}})
	if !errors.Is(err, ErrDimension) || !contains(err.Error(), "face 2") {
		t.Fatalf("MatrixOf ragged: %v", err)
	}
	if m, err := MatrixOf(nil); err != nil || m.Rows != 0 {
		t.Fatalf("MatrixOf(nil): %+v, %v", m, err)
	}
}

// TestMinQuality checks that a low-quality face between two people does not
// bridge them, and is attached to the nearer one.
func TestMinQuality(t *testing.T) {
	// Two groups on a circle 0.6 rad apart and a bridge face between them.
	ang := []float64{0, 0.05, 0.1, 0.35, 0.6, 0.65, 0.7, 0.2}
	x := vec.NewMatrix(len(ang), 2)
	for i, a := range ang {
		x.Row(i)[0], x.Row(i)[1] = float32(math.Cos(a)), float32(math.Sin(a))
	}
	q := []float32{1, 1, 1, 0.1, 1, 1, 1, 1}
	for _, l := range []Linkage{Single} {
		opt := Options{Threshold: 1 - float32(math.Cos(0.26)), Linkage: l}
		res, _ := Exact(&Input{Features: x}, opt)
		if res.NumClusters != 1 {
			t.Fatalf("%v without quality: %d clusters, want 1 (the bridge joins)", l, res.NumClusters)
		}
		opt.MinQuality = 0.5
		res, err := Exact(&Input{Features: x, Quality: q}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(res.Labels) != "[0 0 0 0 1 1 1 0]" {
			t.Fatalf("%v with quality: labels %v", l, res.Labels)
		}
	}
}
