package cluster

import (
	"fmt"
	"math"
	"slices"

	"github.com/facecluster/facecluster/vec"
)

// PersonID names a person (a cluster) of a State. IDs are positive, never
// reused, and survive Refine when most of a person's faces stay together.
type PersonID int64

// Face is one face handed to State.Assign.
type Face struct {
	// Feature is the face's feature vector; every face of a State has the
	// same dimension. It is copied (and normalised if need be).
	Feature []float32
	// Photo is the ID of the photo the face is in, or 0 if unknown. Faces
	// of one photo never share a person.
	Photo uint64
	// Quality is the face's quality score in [0, 1]; see
	// Options.MinQuality.
	Quality float32
}

// StateOptions configures a State.
type StateOptions struct {
	// Options sets the threshold, linkage, workers and quality rule for
	// both Assign and Refine.
	Options
	// ExactLimit is the number of faces up to which Refine runs Exact;
	// beyond it Refine runs Sparse (which requires average linkage). 0
	// means 20,000.
	ExactLimit int
	// Sparse configures Refine beyond ExactLimit; its Options field is
	// ignored (the Options above apply).
	Sparse SparseOptions
}

// State is a clustering kept up to date as faces arrive, the shape of an
// album: Assign files each new face at once, user decisions (Merge, Reject,
// Confirm) take effect at once and are remembered as constraints, and Refine
// re-runs the agglomeration over every face from scratch, honouring them.
//
// Faces are numbered from 0 in the order they are assigned.
//
// ID rule for Refine: a person keeps its ID if more than half of its faces
// end up in one new cluster; that cluster takes the ID. If a new cluster
// holds the majority of several old people (they merged), it takes the ID
// of the one it shares the most faces with, the lowest ID on ties; the
// others' IDs retire. Every other new cluster gets a new ID, in order of
// its smallest face.
//
// A State is not safe for concurrent use.
type State struct {
	opt     StateOptions
	dim     int
	feats   []float32
	photos  []uint64
	quality []float32
	person  []PersonID
	members map[PersonID][]int // ascending faces
	nextID  PersonID
	must    []Pair // user must-links
	cannot  []Pair // user cannot-links
}

// NewState returns an empty State. It returns an error wrapping ErrOptions
// for invalid options.
func NewState(opt StateOptions) (*State, error) {
	if err := opt.Options.check(); err != nil {
		return nil, err
	}
	so := opt.Sparse
	so.Options = opt.Options
	so.Linkage = Average
	if err := so.check(0); err != nil {
		return nil, err
	}
	if opt.ExactLimit < 0 {
		return nil, fmt.Errorf("%w: ExactLimit %d < 0", ErrOptions, opt.ExactLimit)
	}
	if opt.ExactLimit == 0 {
		opt.ExactLimit = 20000
	}
	return &State{opt: opt, members: make(map[PersonID][]int), nextID: 1}, nil
}

// Len returns the number of faces.
func (s *State) Len() int { return len(s.person) }

// Person returns the person of face f. It panics if f is out of range.
func (s *State) Person(f int) PersonID {
	if f < 0 || f >= len(s.person) {
		panic("cluster: State.Person: face index out of range")
	}
	return s.person[f]
}

// People returns every person's faces, in ascending order, by ID.
func (s *State) People() map[PersonID][]int {
	out := make(map[PersonID][]int, len(s.members))
	for p, m := range s.members {
		out[p] = slices.Clone(m)
	}
	return out
}

// Labels returns each face's person ID.
func (s *State) Labels() []PersonID { return slices.Clone(s.person) }

func (s *State) matrix() vec.Matrix {
	return vec.Matrix{Rows: len(s.person), Dim: s.dim, Data: s.feats}
}

func (s *State) newID() PersonID {
	id := s.nextID
	s.nextID++
	return id
}

func (s *State) setPerson(f int, p PersonID) {
	if old := s.person[f]; old != 0 {
		m := s.members[old]
		i, _ := slices.BinarySearch(m, f)
		m = slices.Delete(m, i, i+1)
		if len(m) == 0 {
			delete(s.members, old)
		} else {
			s.members[old] = m
		}
	}
	s.person[f] = p
	m := s.members[p]
	i, _ := slices.BinarySearch(m, f)
	s.members[p] = slices.Insert(m, i, f)
}

// Assign adds a face and puts it into the person nearest to it under the
// linkage (the mean, largest or smallest distance to the person's faces),
// if that is within the threshold and no constraint forbids it (no face of
// the person is in the same photo); otherwise the face starts a new person.
// It returns the face's person; the face's index is Len()-1 afterwards.
//
// It returns an error naming the face, and adds nothing, if the feature is
// of the wrong dimension, holds a NaN or an infinity, or is zero.
func (s *State) Assign(f Face) (PersonID, error) {
	idx := len(s.person)
	if s.dim == 0 {
		if len(f.Feature) == 0 {
			return 0, fmt.Errorf("%w: face %d has an empty feature", ErrDimension, idx)
		}
	} else if len(f.Feature) != s.dim {
		return 0, fmt.Errorf("%w: face %d has %d elements, want %d", ErrDimension, idx, len(f.Feature), s.dim)
	}
	if f.Quality != f.Quality {
		return 0, fmt.Errorf("%w: face %d has a NaN quality", ErrFeature, idx)
	}
	for _, v := range f.Feature {
		if v != v || math.IsInf(float64(v), 0) {
			return 0, fmt.Errorf("%w: face %d holds %v", ErrFeature, idx, v)
		}
	}
	row := slices.Clone(f.Feature)
	nrm := vec.Normalize(row)
	if nrm == 0 {
		return 0, fmt.Errorf("%w: face %d is a vector of zeros", ErrFeature, idx)
	}
	if math.Abs(float64(nrm)-1) <= unitTol {
		copy(row, f.Feature) // already unit: keep it bit for bit, as Exact does
	}
	best, bestD := s.nearestPerson(row, f.Photo)
	s.dim = len(row)
	s.feats = append(s.feats, row...)
	s.photos = append(s.photos, f.Photo)
	s.quality = append(s.quality, f.Quality)
	s.person = append(s.person, 0)
	if best == 0 || !(bestD <= s.opt.Threshold) {
		best = s.newID()
	}
	s.setPerson(idx, best)
	return best, nil
}

// nearestPerson returns the person nearest to the unit feature q under the
// linkage, excluding people with a face in photo (if non-zero), and its
// distance; 0 if there is none.
func (s *State) nearestPerson(q []float32, photo uint64) (PersonID, float32) {
	n := len(s.person)
	if n == 0 {
		return 0, float32(math.Inf(1))
	}
	dist := make([]float32, n)
	vec.Distances(q, s.matrix(), vec.Cosine, dist)
	type agg struct {
		sum      float64
		min, max float32
		n        int
		banned   bool
	}
	aggs := make(map[PersonID]*agg)
	for i, d := range dist {
		p := s.person[i]
		g := aggs[p]
		if g == nil {
			g = &agg{min: d, max: d}
			aggs[p] = g
		}
		g.sum += float64(d)
		g.min, g.max = min(g.min, d), max(g.max, d)
		g.n++
		if photo != 0 && s.photos[i] == photo {
			g.banned = true
		}
	}
	var best PersonID
	bestD := float32(math.Inf(1))
	for p, g := range aggs {
		if g.banned {
			continue
		}
		var d float32
		switch s.opt.Linkage {
		case Complete:
			d = g.max
		case Single:
			d = g.min
		default:
			d = float32(g.sum / float64(g.n))
		}
		if d < bestD || (d == bestD && p < best) {
			best, bestD = p, d
		}
	}
	return best, bestD
}

func (s *State) checkFace(f int) error {
	if f < 0 || f >= len(s.person) {
		return fmt.Errorf("%w: face %d out of range [0, %d)", ErrConstraint, f, len(s.person))
	}
	return nil
}

func (s *State) checkPerson(p PersonID) error {
	if _, ok := s.members[p]; !ok {
		return fmt.Errorf("%w: no person %d", ErrConstraint, p)
	}
	return nil
}

// Merge records that people a and b are the same person: every face of b
// joins a (which keeps its ID), and they are must-linked from now on. It
// returns an error wrapping ErrConflict, and changes nothing, if a face of a
// and a face of b are in one photo or were cannot-linked by Reject.
func (s *State) Merge(a, b PersonID) error {
	if err := s.checkPerson(a); err != nil {
		return err
	}
	if err := s.checkPerson(b); err != nil {
		return err
	}
	if a == b {
		return nil
	}
	ma, mb := s.members[a], s.members[b]
	cl := make(map[Pair]bool, len(s.cannot))
	for _, pr := range s.cannot {
		cl[pr] = true
	}
	for _, x := range ma {
		for _, y := range mb {
			if (s.photos[x] != 0 && s.photos[x] == s.photos[y]) || cl[ordered(x, y)] {
				return fmt.Errorf("%w: faces %d (person %d) and %d (person %d) are in one photo or were told apart", ErrConflict, x, a, y, b)
			}
		}
	}
	anchor := ma[0]
	for _, f := range ma[1:] {
		s.must = append(s.must, ordered(anchor, f))
	}
	for _, f := range slices.Clone(mb) {
		s.must = append(s.must, ordered(anchor, f))
		s.setPerson(f, a)
	}
	return nil
}

// Reject records that face f is not person p: f is cannot-linked with
// every face of p, and if f was in p it leaves for a new person of its own
// (returned; otherwise f's person is returned unchanged). A must-link that
// tied f to p's faces (an earlier Merge or Confirm) is dropped: the newer
// decision wins.
func (s *State) Reject(f int, p PersonID) (PersonID, error) {
	if err := s.checkFace(f); err != nil {
		return 0, err
	}
	if err := s.checkPerson(p); err != nil {
		return 0, err
	}
	others := make(map[int]bool)
	for _, g := range s.members[p] {
		if g != f {
			others[g] = true
		}
	}
	s.must = slices.DeleteFunc(s.must, func(pr Pair) bool {
		return (pr.A == f && others[pr.B]) || (pr.B == f && others[pr.A])
	})
	for g := range others {
		pr := ordered(f, g)
		if !slices.Contains(s.cannot, pr) {
			s.cannot = append(s.cannot, pr)
		}
	}
	slices.SortFunc(s.cannot, comparePairs)
	if s.person[f] == p {
		s.setPerson(f, s.newID())
	}
	return s.person[f], nil
}

// Confirm records that face f is person p: f moves to p if it is elsewhere
// and is must-linked with p's faces from now on. A cannot-link between f and
// p's faces from an earlier Reject is dropped (the newer decision wins). It
// returns an error wrapping ErrConflict if f is in one photo with a face of
// p.
func (s *State) Confirm(f int, p PersonID) error {
	if err := s.checkFace(f); err != nil {
		return err
	}
	if err := s.checkPerson(p); err != nil {
		return err
	}
	var anchor = -1
	for _, g := range s.members[p] {
		if g == f {
			continue
		}
		if s.photos[g] != 0 && s.photos[g] == s.photos[f] {
			return fmt.Errorf("%w: face %d is in one photo with face %d of person %d", ErrConflict, f, g, p)
		}
		if anchor < 0 {
			anchor = g
		}
	}
	inP := make(map[int]bool)
	for _, g := range s.members[p] {
		inP[g] = true
	}
	s.cannot = slices.DeleteFunc(s.cannot, func(pr Pair) bool {
		return (pr.A == f && inP[pr.B]) || (pr.B == f && inP[pr.A])
	})
	// Leaving its old person, f drops the must-links that tied it there.
	if old := s.person[f]; old != p {
		inOld := make(map[int]bool)
		for _, g := range s.members[old] {
			inOld[g] = true
		}
		s.must = slices.DeleteFunc(s.must, func(pr Pair) bool {
			return (pr.A == f && inOld[pr.B]) || (pr.B == f && inOld[pr.A])
		})
	}
	if anchor >= 0 {
		s.must = append(s.must, ordered(anchor, f))
	}
	s.setPerson(f, p)
	return nil
}

// Refine re-runs the agglomeration over every face (Exact up to
// ExactLimit faces, Sparse beyond), honouring the photos and every user
// decision, and renumbers the people by the ID rule of State. It returns
// the error of the clustering run, if any, and then leaves the State as it
// was.
func (s *State) Refine() error {
	in := &Input{
		Features:   s.matrix(),
		Photos:     s.photos,
		Quality:    s.quality,
		MustLink:   s.must,
		CannotLink: s.cannot,
	}
	var res *Result
	var err error
	if len(s.person) <= s.opt.ExactLimit {
		res, err = Exact(in, s.opt.Options)
	} else {
		so := s.opt.Sparse
		so.Options = s.opt.Options
		res, err = Sparse(in, so)
	}
	if err != nil {
		return err
	}
	s.relabel(res)
	return nil
}

// relabel replaces the people by the clusters of res under the ID rule.
func (s *State) relabel(res *Result) {
	type key struct {
		old PersonID
		c   int
	}
	overlap := make(map[key]int)
	for f, c := range res.Labels {
		overlap[key{s.person[f], c}]++
	}
	// Each old person's majority cluster, if any.
	claim := make(map[int]key) // cluster -> best claimant
	for k, n := range overlap {
		if 2*n <= len(s.members[k.old]) {
			continue
		}
		cur, ok := claim[k.c]
		if !ok || n > overlap[cur] || (n == overlap[cur] && k.old < cur.old) {
			claim[k.c] = k
		}
	}
	ids := make([]PersonID, res.NumClusters)
	for c := range ids {
		if k, ok := claim[c]; ok {
			ids[c] = k.old
		}
	}
	for c := range ids { // clusters are numbered by smallest face
		if ids[c] == 0 {
			ids[c] = s.newID()
		}
	}
	s.members = make(map[PersonID][]int, res.NumClusters)
	for f, c := range res.Labels {
		s.person[f] = ids[c]
		s.members[ids[c]] = append(s.members[ids[c]], f)
	}
}
