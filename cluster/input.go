package cluster

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/facecluster/facecluster/vec"
)

// Sentinel errors. Every error returned by this package wraps one of them
// (test with errors.Is), with context naming the face, pair or option at
// fault.
var (
	// ErrDimension reports features of the wrong or mismatched length.
	ErrDimension = errors.New("cluster: mismatched feature dimensions")
	// ErrFeature reports a feature holding a NaN or an infinity, or a
	// feature of zero norm (which has no direction).
	ErrFeature = errors.New("cluster: invalid feature")
	// ErrConstraint reports a constraint naming a face that does not exist,
	// or a per-face slice (Photos, Quality) of the wrong length.
	ErrConstraint = errors.New("cluster: invalid constraint")
	// ErrConflict reports contradictory constraints: a cannot-link pair
	// whose faces are must-linked (directly or through other faces).
	ErrConflict = errors.New("cluster: conflicting constraints")
	// ErrOptions reports an invalid option value.
	ErrOptions = errors.New("cluster: invalid options")
	// ErrTooLarge reports an input too large for the chosen algorithm.
	ErrTooLarge = errors.New("cluster: input too large")
)

// Pair names two faces by their indices in the input.
type Pair struct{ A, B int }

// Input is what the clustering functions work on: N faces, each a feature
// vector with optional side information.
type Input struct {
	// Features holds face i's feature vector in row i. Rows need not be of
	// unit norm (they are normalised in a copy if they are not) but must be
	// finite and non-zero.
	Features vec.Matrix
	// Photos, if not nil, holds each face's photo ID (len N). Faces with the
	// same non-zero photo ID are in one photo and are never put in one
	// cluster (an implicit cannot-link); 0 means unknown.
	Photos []uint64
	// Quality, if not nil, holds each face's quality score in [0, 1] (len
	// N), as the embedder reports it. Faces below Options.MinQuality are
	// left out of the agglomeration and attached afterwards (see
	// Options.MinQuality).
	Quality []float32
	// MustLink lists pairs of faces known to be the same person (a user's
	// merge, a confirmed face).
	MustLink []Pair
	// CannotLink lists pairs of faces known to be different people (a
	// user's "not this person").
	CannotLink []Pair
}

// MatrixOf copies rows, one feature vector per face, into a Matrix. It
// returns an error wrapping ErrDimension, naming the first face whose length
// differs from that of face 0 (or that is empty).
func MatrixOf(rows [][]float32) (vec.Matrix, error) {
	if len(rows) == 0 {
		return vec.Matrix{}, nil
	}
	dim := len(rows[0])
	if dim == 0 {
		return vec.Matrix{}, fmt.Errorf("%w: face 0 has an empty feature", ErrDimension)
	}
	m := vec.NewMatrix(len(rows), dim)
	for i, r := range rows {
		if len(r) != dim {
			return vec.Matrix{}, fmt.Errorf("%w: face %d has %d elements, face 0 has %d", ErrDimension, i, len(r), dim)
		}
		copy(m.Row(i), r)
	}
	return m, nil
}

// Linkage selects how the distance between two clusters follows from the
// distances between their members.
type Linkage int

const (
	// Average linkage: the mean distance over all pairs of members (UPGMA).
	// The default.
	Average Linkage = iota
	// Complete linkage: the largest distance between members. Every pair
	// of faces in a cluster is then within the threshold.
	Complete
	// Single linkage: the smallest distance between members. Prone to
	// chaining; useful as a baseline.
	Single
)

// String returns the linkage's name, such as "average".
func (l Linkage) String() string {
	switch l {
	case Average:
		return "average"
	case Complete:
		return "complete"
	case Single:
		return "single"
	}
	return fmt.Sprintf("Linkage(%d)", int(l))
}

// Options configures Exact (and, through SparseOptions, Sparse).
type Options struct {
	// Threshold is the largest linkage distance (cosine distance, in
	// [0, 2]) at which two clusters are merged. It must be finite and
	// non-negative.
	Threshold float32
	// Linkage selects the linkage; the zero value is Average.
	Linkage Linkage
	// Workers bounds the goroutines used to compute distances; 0 means
	// runtime.GOMAXPROCS(0). Results do not depend on it.
	Workers int
	// MinQuality, if positive, leaves faces whose Input.Quality is below
	// it out of the agglomeration; afterwards each joins the cluster
	// nearest to it under the linkage, if that is within Threshold and no
	// constraint forbids it, and otherwise forms a cluster of its own.
	// Poor faces (blurred, small, in profile) thus never bridge two
	// people. Ignored when Input.Quality is nil.
	MinQuality float32
}

func (o *Options) check() error {
	if !(o.Threshold >= 0) || math.IsInf(float64(o.Threshold), 0) {
		return fmt.Errorf("%w: Threshold %v is not a finite non-negative number", ErrOptions, o.Threshold)
	}
	if o.Linkage < Average || o.Linkage > Single {
		return fmt.Errorf("%w: unknown %v", ErrOptions, o.Linkage)
	}
	if o.Workers < 0 {
		return fmt.Errorf("%w: Workers %d < 0", ErrOptions, o.Workers)
	}
	if math.IsNaN(float64(o.MinQuality)) {
		return fmt.Errorf("%w: MinQuality is NaN", ErrOptions)
	}
	return nil
}

func (o *Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Merge records one merge of two clusters, for explanation and inspection.
type Merge struct {
	// A and B are the smallest face indices of the two clusters merged;
	// A < B.
	A, B int
	// Distance is their linkage distance when merged (0 for forced
	// merges).
	Distance float32
	// Forced marks merges made by must-link constraints, whatever the
	// distance.
	Forced bool
}

// Result is a partition of the input's faces.
type Result struct {
	// Labels holds face i's cluster in Labels[i], from 0 to
	// NumClusters-1. Clusters are numbered in order of their smallest
	// member.
	Labels []int
	// NumClusters is the number of clusters.
	NumClusters int
	// Merges lists the merges made, in the order they were made (which is
	// not in general the order of their distances).
	Merges []Merge
}

// Clusters returns the members of each cluster, in ascending face order,
// indexed by label.
func (r *Result) Clusters() [][]int {
	out := make([][]int, r.NumClusters)
	for i, l := range r.Labels {
		out[l] = append(out[l], i)
	}
	return out
}

// unitTol is how far from 1 a feature's norm may be before it is normalised.
const unitTol = 1e-4

// prepared is a validated input: unit features, must-link groups and the
// full list of cannot-link pairs (explicit and same-photo).
type prepared struct {
	n, dim int
	x      vec.Matrix // unit rows, possibly a copy of the input
	// groups holds each must-link group of two or more faces, members
	// ascending, groups in order of their smallest member.
	groups [][]int
	// cannot lists the cannot-link pairs (A < B), sorted, without
	// duplicates.
	cannot []Pair
	// active marks the faces taking part in the agglomeration (not left
	// out for low quality); nil means all.
	active []bool
}

// prepare validates in against opt and returns its normalised form.
func prepare(in *Input, opt *Options) (*prepared, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	m := in.Features
	if !m.Valid() {
		return nil, fmt.Errorf("%w: invalid Matrix (Rows %d, Dim %d, len(Data) %d)", ErrDimension, m.Rows, m.Dim, len(m.Data))
	}
	n := m.Rows
	if n > 0 && m.Dim == 0 {
		return nil, fmt.Errorf("%w: features of dimension 0", ErrDimension)
	}
	p := &prepared{n: n, dim: m.Dim, x: m}
	x, err := unitRows(m)
	if err != nil {
		return nil, err
	}
	p.x = x
	if in.Photos != nil && len(in.Photos) != n {
		return nil, fmt.Errorf("%w: len(Photos) = %d, want %d faces", ErrConstraint, len(in.Photos), n)
	}
	if in.Quality != nil {
		if len(in.Quality) != n {
			return nil, fmt.Errorf("%w: len(Quality) = %d, want %d faces", ErrConstraint, len(in.Quality), n)
		}
		for i, q := range in.Quality {
			if q != q {
				return nil, fmt.Errorf("%w: face %d has a NaN quality", ErrFeature, i)
			}
		}
	}
	uf := newUnionFind(n)
	for k, pr := range in.MustLink {
		if err := checkPair(pr, n, "MustLink", k); err != nil {
			return nil, err
		}
		uf.union(pr.A, pr.B)
	}
	cannot := make([]Pair, 0, len(in.CannotLink))
	for k, pr := range in.CannotLink {
		if err := checkPair(pr, n, "CannotLink", k); err != nil {
			return nil, err
		}
		if pr.A == pr.B {
			return nil, fmt.Errorf("%w: CannotLink[%d] links face %d with itself", ErrConflict, k, pr.A)
		}
		cannot = append(cannot, ordered(pr.A, pr.B))
	}
	cannot = appendPhotoPairs(cannot, in.Photos)
	slices.SortFunc(cannot, comparePairs)
	cannot = slices.Compact(cannot)
	for _, pr := range cannot {
		if uf.find(pr.A) == uf.find(pr.B) {
			return nil, fmt.Errorf("%w: faces %d and %d are must-linked and cannot-linked (same photo or a user's rejection)", ErrConflict, pr.A, pr.B)
		}
	}
	p.cannot = cannot
	p.groups = uf.groups()
	if opt.MinQuality > 0 && in.Quality != nil {
		p.active = make([]bool, n)
		for i := range n {
			p.active[i] = in.Quality[i] >= opt.MinQuality
		}
		// A must-link group takes part if any member does.
		for _, g := range p.groups {
			any := false
			for _, f := range g {
				any = any || p.active[f]
			}
			for _, f := range g {
				p.active[f] = any
			}
		}
	}
	return p, nil
}

// unitRows checks every row of m and returns m if all rows are of unit norm,
// or a copy with every row normalised.
func unitRows(m vec.Matrix) (vec.Matrix, error) {
	var out vec.Matrix
	for i := range m.Rows {
		r := m.Row(i)
		for _, v := range r {
			if v != v || math.IsInf(float64(v), 0) {
				return vec.Matrix{}, fmt.Errorf("%w: face %d holds %v", ErrFeature, i, v)
			}
		}
		nrm := vec.Norm(r)
		if nrm == 0 {
			return vec.Matrix{}, fmt.Errorf("%w: face %d is a vector of zeros", ErrFeature, i)
		}
		if math.Abs(float64(nrm)-1) <= unitTol {
			if out.Data != nil {
				copy(out.Row(i), r)
			}
			continue
		}
		if out.Data == nil {
			out = vec.NewMatrix(m.Rows, m.Dim)
			copy(out.Data, m.Data[:i*m.Dim])
		}
		o := out.Row(i)
		copy(o, r)
		vec.Normalize(o)
	}
	if out.Data == nil {
		return m, nil
	}
	return out, nil
}

func checkPair(pr Pair, n int, what string, k int) error {
	if pr.A < 0 || pr.A >= n || pr.B < 0 || pr.B >= n {
		return fmt.Errorf("%w: %s[%d] = {%d, %d} names a face outside [0, %d)", ErrConstraint, what, k, pr.A, pr.B, n)
	}
	return nil
}

func ordered(a, b int) Pair {
	if a > b {
		a, b = b, a
	}
	return Pair{a, b}
}

func comparePairs(p, q Pair) int {
	if p.A != q.A {
		return p.A - q.A
	}
	return p.B - q.B
}

// appendPhotoPairs appends a cannot-link pair for every two faces sharing a
// non-zero photo ID.
func appendPhotoPairs(dst []Pair, photos []uint64) []Pair {
	if photos == nil {
		return dst
	}
	byPhoto := make(map[uint64][]int)
	for i, ph := range photos {
		if ph != 0 {
			byPhoto[ph] = append(byPhoto[ph], i)
		}
	}
	for _, faces := range byPhoto {
		for a := range faces {
			for b := a + 1; b < len(faces); b++ {
				dst = append(dst, Pair{faces[a], faces[b]})
			}
		}
	}
	return dst
}

// unionFind is a disjoint-set forest whose roots are the smallest members of
// their sets.
type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return &unionFind{p}
}

func (u *unionFind) find(i int) int {
	r := i
	for u.parent[r] != r {
		r = u.parent[r]
	}
	for u.parent[i] != r {
		u.parent[i], i = r, u.parent[i]
	}
	return r
}

// union joins the sets of a and b and returns the new root, the smaller of
// the two roots.
func (u *unionFind) union(a, b int) int {
	ra, rb := u.find(a), u.find(b)
	if ra > rb {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
	return ra
}

// groups returns the sets of two or more members, members ascending, sets in
// order of their smallest member.
func (u *unionFind) groups() [][]int {
	idx := make(map[int]int)
	var out [][]int
	for i := range u.parent {
		r := u.find(i)
		if r == i {
			continue
		}
		k, ok := idx[r]
		if !ok {
			k = len(out)
			idx[r] = k
			out = append(out, []int{r})
		}
		out[k] = append(out[k], i)
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

// labels numbers the sets by smallest member and returns the label of each
// element and the number of sets.
func (u *unionFind) labels() ([]int, int) {
	lab := make([]int, len(u.parent))
	n := 0
	for i := range u.parent {
		r := u.find(i)
		if r == i {
			lab[i] = n
			n++
		} else {
			lab[i] = lab[r]
		}
	}
	return lab, n
}
