package cluster

import (
	"context"
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
// others' IDs retire. Pinned people (see Pin) come first: a cluster holding
// the majority of a pinned person takes its ID before any unpinned one, and
// a pinned person left without a cluster takes the unclaimed cluster holding
// most of its faces (the lowest-numbered on ties; pinned people in ID
// order). Every other new cluster gets a new ID, in order of its smallest
// face.
//
// User decisions are kept as must-link groups (each wholly inside one
// person) and cannot-link pairs; Snapshot and Restore store and rebuild a
// State exactly, and Remove drops faces.
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
	groups  [][]int // user must-link groups: ascending faces, >= 2 each, all of one person
	cannot  []Pair  // user cannot-links, sorted
	pinned  map[PersonID]bool
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
	return &State{opt: opt, members: make(map[PersonID][]int), nextID: 1, pinned: make(map[PersonID]bool)}, nil
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

// Members returns person p's faces, ascending; nil if there is no person p.
func (s *State) Members(p PersonID) []int { return slices.Clone(s.members[p]) }

// Groups returns the must-link groups (user merges and confirmations):
// ascending faces, at least two each, all of one person, ordered by first
// face.
func (s *State) Groups() [][]int {
	out := make([][]int, len(s.groups))
	for i, g := range s.groups {
		out[i] = slices.Clone(g)
	}
	return out
}

// CannotLinks returns the user's cannot-links (from Reject), sorted, each
// lower face first. Faces of one photo are not listed.
func (s *State) CannotLinks() []Pair { return slices.Clone(s.cannot) }

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
			delete(s.pinned, old)
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
	row, err := s.check(f)
	if err != nil {
		return 0, err
	}
	best, bestD := s.nearestPerson(row, f.Photo)
	idx := s.push(row, f)
	if best == 0 || !(bestD <= s.opt.Threshold) {
		best = s.newID()
	}
	s.setPerson(idx, best)
	return best, nil
}

// check validates a new face and returns its unit feature (a copy).
func (s *State) check(f Face) ([]float32, error) {
	idx := len(s.person)
	if s.dim == 0 {
		if len(f.Feature) == 0 {
			return nil, fmt.Errorf("%w: face %d has an empty feature", ErrDimension, idx)
		}
	} else if len(f.Feature) != s.dim {
		return nil, fmt.Errorf("%w: face %d has %d elements, want %d", ErrDimension, idx, len(f.Feature), s.dim)
	}
	if f.Quality != f.Quality {
		return nil, fmt.Errorf("%w: face %d has a NaN quality", ErrFeature, idx)
	}
	for _, v := range f.Feature {
		if v != v || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: face %d holds %v", ErrFeature, idx, v)
		}
	}
	row := slices.Clone(f.Feature)
	nrm := vec.Normalize(row)
	if nrm == 0 {
		return nil, fmt.Errorf("%w: face %d is a vector of zeros", ErrFeature, idx)
	}
	if math.Abs(float64(nrm)-1) <= unitTol {
		copy(row, f.Feature) // already unit: keep it bit for bit, as Exact does
	}
	return row, nil
}

// push appends a checked face, in no person yet, and returns its index.
func (s *State) push(row []float32, f Face) int {
	s.dim = len(row)
	s.feats = append(s.feats, row...)
	s.photos = append(s.photos, f.Photo)
	s.quality = append(s.quality, f.Quality)
	s.person = append(s.person, 0)
	return len(s.person) - 1
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
	// Compared in float64 (the mean is exact there), rounded once at the
	// end.
	var best PersonID
	bestD := math.Inf(1)
	for p, g := range aggs {
		if g.banned {
			continue
		}
		var d float64
		switch s.opt.Linkage {
		case Complete:
			d = float64(g.max)
		case Single:
			d = float64(g.min)
		default:
			d = g.sum / float64(g.n)
		}
		if d < bestD || (d == bestD && p < best) {
			best, bestD = p, d
		}
	}
	return best, float32(bestD)
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
	s.glue(slices.Concat(ma, mb))
	for _, f := range slices.Clone(mb) {
		s.setPerson(f, a)
	}
	if s.pinned[b] {
		s.pinned[a] = true
	}
	return nil
}

// glue puts faces into one must-link group, absorbing the groups any of
// them is in.
func (s *State) glue(faces []int) {
	set := make(map[int]bool, len(faces))
	for _, f := range faces {
		set[f] = true
	}
	kept := s.groups[:0:0]
	for _, g := range s.groups {
		joined := false
		for _, f := range g {
			if set[f] {
				joined = true
				break
			}
		}
		if !joined {
			kept = append(kept, g)
			continue
		}
		for _, f := range g {
			set[f] = true
		}
	}
	if len(set) >= 2 {
		g := make([]int, 0, len(set))
		for f := range set {
			g = append(g, f)
		}
		slices.Sort(g)
		kept = append(kept, g)
		slices.SortFunc(kept, func(a, b []int) int { return a[0] - b[0] })
	}
	s.groups = kept
}

// ungroup takes f out of its must-link group; a group left with one face
// disappears.
func (s *State) ungroup(f int) {
	for i, g := range s.groups {
		j, ok := slices.BinarySearch(g, f)
		if !ok {
			continue
		}
		g = slices.Delete(slices.Clone(g), j, j+1)
		if len(g) < 2 {
			s.groups = slices.Delete(slices.Clone(s.groups), i, i+1)
		} else {
			s.groups = slices.Clone(s.groups)
			s.groups[i] = g
		}
		return
	}
}

// Reject records that face f is not person p: f is cannot-linked with
// every face of p, and if f was in p it leaves for a new person of its own
// (returned; otherwise f's person is returned unchanged), leaving the
// must-link group it was in (an earlier Merge or Confirm): the newer
// decision wins. Rejecting the only face of p moves it to a new person and
// retires p.
func (s *State) Reject(f int, p PersonID) (PersonID, error) {
	if err := s.checkFace(f); err != nil {
		return 0, err
	}
	if err := s.checkPerson(p); err != nil {
		return 0, err
	}
	if s.person[f] == p {
		s.ungroup(f)
	}
	for _, g := range s.members[p] {
		if g == f {
			continue
		}
		pr := ordered(f, g)
		if i, ok := slices.BinarySearchFunc(s.cannot, pr, comparePairs); !ok {
			s.cannot = slices.Insert(s.cannot, i, pr)
		}
	}
	if s.person[f] == p {
		s.setPerson(f, s.newID())
	}
	return s.person[f], nil
}

// Confirm records that face f is person p: f moves to p if it is elsewhere
// (leaving the must-link group it was in), and f and every face of p are
// must-linked from now on. A cannot-link between f and p's faces from an
// earlier Reject is dropped (the newer decision wins). It returns an error
// wrapping ErrConflict, and changes nothing, if f is in one photo with a
// face of p.
func (s *State) Confirm(f int, p PersonID) error {
	if err := s.checkFace(f); err != nil {
		return err
	}
	if err := s.checkPerson(p); err != nil {
		return err
	}
	inP := make(map[int]bool)
	for _, g := range s.members[p] {
		inP[g] = true
		if g != f && s.photos[g] != 0 && s.photos[g] == s.photos[f] {
			return fmt.Errorf("%w: face %d is in one photo with face %d of person %d", ErrConflict, f, g, p)
		}
	}
	s.cannot = slices.DeleteFunc(s.cannot, func(pr Pair) bool {
		return (pr.A == f && inP[pr.B]) || (pr.B == f && inP[pr.A])
	})
	if s.person[f] != p {
		s.ungroup(f)
		s.setPerson(f, p)
	}
	s.glue(s.members[p])
	return nil
}

// Pin sets whether person p is pinned: a pinned person (a named one, in an
// album) is preferred when Refine hands out IDs; see State. A person stays
// pinned until unpinned or retired; Merge(a, b) pins a if b was pinned. It
// returns an error wrapping ErrConstraint if there is no person p.
func (s *State) Pin(p PersonID, pinned bool) error {
	if err := s.checkPerson(p); err != nil {
		return err
	}
	if pinned {
		s.pinned[p] = true
	} else {
		delete(s.pinned, p)
	}
	return nil
}

// Pinned reports whether person p is pinned.
func (s *State) Pinned(p PersonID) bool { return s.pinned[p] }

// Remove drops faces (given in any order, repeats allowed) with their
// constraints: a must-link group loses them (a group left with one face
// disappears), cannot-links naming them are dropped, and a person left with
// no face retires (its ID is never reused). The remaining faces are
// renumbered in order: a face's new index is its old one minus the number of
// removed faces below it. It returns an error wrapping ErrConstraint, and
// removes nothing, if a face is out of range.
//
// Remove never changes the State's slices in place (it builds new ones), so
// a clustering started by RefineContext and left running in the background
// is not disturbed.
func (s *State) Remove(faces ...int) error {
	gone := make(map[int]bool, len(faces))
	for _, f := range faces {
		if err := s.checkFace(f); err != nil {
			return err
		}
		gone[f] = true
	}
	if len(gone) == 0 {
		return nil
	}
	n := len(s.person)
	newIdx := make([]int, n)
	k := 0
	for f := range n {
		if gone[f] {
			newIdx[f] = -1
			continue
		}
		newIdx[f] = k
		k++
	}
	feats := make([]float32, 0, k*s.dim)
	photos := make([]uint64, 0, k)
	quality := make([]float32, 0, k)
	person := make([]PersonID, 0, k)
	for f := range n {
		if gone[f] {
			continue
		}
		feats = append(feats, s.feats[f*s.dim:(f+1)*s.dim]...)
		photos = append(photos, s.photos[f])
		quality = append(quality, s.quality[f])
		person = append(person, s.person[f])
	}
	members := make(map[PersonID][]int, len(s.members))
	for f, p := range person {
		members[p] = append(members[p], f)
	}
	for p := range s.pinned {
		if _, ok := members[p]; !ok {
			delete(s.pinned, p)
		}
	}
	var groups [][]int
	for _, g := range s.groups {
		var ng []int
		for _, f := range g {
			if newIdx[f] >= 0 {
				ng = append(ng, newIdx[f])
			}
		}
		if len(ng) >= 2 {
			groups = append(groups, ng)
		}
	}
	var cannot []Pair
	for _, pr := range s.cannot {
		if a, b := newIdx[pr.A], newIdx[pr.B]; a >= 0 && b >= 0 {
			cannot = append(cannot, Pair{A: a, B: b})
		}
	}
	s.feats, s.photos, s.quality, s.person, s.members = feats, photos, quality, person, members
	s.groups, s.cannot = groups, cannot
	if k == 0 {
		s.dim = 0
	}
	return nil
}

// Snapshot is everything a State holds but its options, for storing it and
// rebuilding it with Restore.
type Snapshot struct {
	// Faces are the faces by index (features as the State holds them: of
	// unit norm).
	Faces []Face
	// Labels holds each face's person.
	Labels []PersonID
	// Groups are the must-link groups (user merges and confirmations):
	// ascending faces, at least two each, all of one person.
	Groups [][]int
	// CannotLink holds the user's rejections (not the photos' implicit
	// ones), each pair lower face first, sorted.
	CannotLink []Pair
	// Pinned lists the pinned people, ascending.
	Pinned []PersonID
	// NextID is the ID the next new person gets; it exceeds every label.
	NextID PersonID
}

// Snapshot returns a copy of the State's contents.
func (s *State) Snapshot() *Snapshot {
	out := &Snapshot{Labels: slices.Clone(s.person), CannotLink: slices.Clone(s.cannot), NextID: s.nextID}
	for f := range s.person {
		out.Faces = append(out.Faces, Face{
			Feature: slices.Clone(s.feats[f*s.dim : (f+1)*s.dim]), Photo: s.photos[f], Quality: s.quality[f],
		})
	}
	for _, g := range s.groups {
		out.Groups = append(out.Groups, slices.Clone(g))
	}
	for p := range s.pinned {
		out.Pinned = append(out.Pinned, p)
	}
	slices.Sort(out.Pinned)
	return out
}

// Restore rebuilds a State from a Snapshot (from Snapshot or from stored
// records), exactly: the people are snap.Labels as given, with no face
// re-assigned. It checks the snapshot and returns an error wrapping
// ErrOptions for invalid options; ErrDimension or ErrFeature for a bad
// face (as Assign); ErrConstraint for a label that is not positive or not
// below NextID, a group or pair naming a face out of range or twice, a group
// of fewer than two faces or spanning people, a cannot-link inside one
// person, or a pinned person without faces.
func Restore(opt StateOptions, snap *Snapshot) (*State, error) {
	s, err := NewState(opt)
	if err != nil {
		return nil, err
	}
	n := len(snap.Faces)
	if len(snap.Labels) != n {
		return nil, fmt.Errorf("%w: %d labels for %d faces", ErrConstraint, len(snap.Labels), n)
	}
	s.nextID = max(snap.NextID, 1)
	for i, f := range snap.Faces {
		p := snap.Labels[i]
		if p <= 0 || p >= s.nextID {
			return nil, fmt.Errorf("%w: face %d has person %d (next ID %d)", ErrConstraint, i, p, s.nextID)
		}
		row, err := s.check(f)
		if err != nil {
			return nil, err
		}
		s.setPerson(s.push(row, f), p)
	}
	seen := make(map[int]bool)
	for _, g := range snap.Groups {
		if len(g) < 2 {
			return nil, fmt.Errorf("%w: must-link group of %d faces", ErrConstraint, len(g))
		}
		for j, f := range g {
			if err := s.checkFace(f); err != nil {
				return nil, err
			}
			if seen[f] || (j > 0 && f <= g[j-1]) || s.person[f] != s.person[g[0]] {
				return nil, fmt.Errorf("%w: must-link group names face %d twice, out of order or apart from the group's person", ErrConstraint, f)
			}
			seen[f] = true
		}
		s.groups = append(s.groups, slices.Clone(g))
	}
	slices.SortFunc(s.groups, func(a, b []int) int { return a[0] - b[0] })
	for _, pr := range snap.CannotLink {
		if err := s.checkFace(pr.A); err != nil {
			return nil, err
		}
		if err := s.checkFace(pr.B); err != nil {
			return nil, err
		}
		if pr.A >= pr.B || s.person[pr.A] == s.person[pr.B] {
			return nil, fmt.Errorf("%w: cannot-link (%d, %d) is unordered or inside one person", ErrConstraint, pr.A, pr.B)
		}
		s.cannot = append(s.cannot, pr)
	}
	slices.SortFunc(s.cannot, comparePairs)
	for i := 1; i < len(s.cannot); i++ {
		if s.cannot[i] == s.cannot[i-1] {
			return nil, fmt.Errorf("%w: cannot-link (%d, %d) twice", ErrConstraint, s.cannot[i].A, s.cannot[i].B)
		}
	}
	for _, p := range snap.Pinned {
		if err := s.Pin(p, true); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Refine re-runs the agglomeration over every face (Exact up to
// ExactLimit faces, Sparse beyond), honouring the photos and every user
// decision, and renumbers the people by the ID rule of State. It returns
// the error of the clustering run, if any, and then leaves the State as it
// was.
func (s *State) Refine() error {
	res, err := s.cluster(s.input())
	if err != nil {
		return err
	}
	s.relabel(res)
	return nil
}

// RefineContext is Refine that returns ctx's error promptly once ctx is
// done, leaving the State as it was. The clustering runs in another
// goroutine; if ctx ends first, it finishes in the background and its
// result is dropped. (It reads slices the State never changes in place, so
// the State may be used meanwhile.) A panic in the clustering is raised
// again in the caller's goroutine if the caller is still waiting.
func (s *State) RefineContext(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	in := s.input()
	type result struct {
		res   *Result
		err   error
		panic any
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.panic = p
			}
			done <- r
		}()
		r.res, r.err = s.cluster(in)
	}()
	var r result
	select {
	case <-ctx.Done():
		return ctx.Err()
	case r = <-done:
	}
	if r.panic != nil {
		panic(r.panic)
	}
	if r.err != nil {
		return r.err
	}
	if len(r.res.Labels) != len(s.person) {
		panic("cluster: State.RefineContext: clustering result of another size")
	}
	s.relabel(r.res)
	return nil
}

// input returns the clustering problem; its slices are not changed in
// place later (see Remove).
func (s *State) input() *Input {
	n := len(s.person)
	in := &Input{
		Features: vec.Matrix{Rows: n, Dim: s.dim, Data: s.feats[: n*s.dim : n*s.dim]},
		Photos:   s.photos[:n:n],
		Quality:  s.quality[:n:n],
	}
	for _, g := range s.groups {
		for _, f := range g[1:] {
			in.MustLink = append(in.MustLink, Pair{A: g[0], B: f})
		}
	}
	in.CannotLink = slices.Clone(s.cannot)
	return in
}

func (s *State) cluster(in *Input) (*Result, error) {
	if in.Features.Rows <= s.opt.ExactLimit {
		return Exact(in, s.opt.Options)
	}
	so := s.opt.Sparse
	so.Options = s.opt.Options
	return Sparse(in, so)
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
	better := func(a, b key) bool { // is claimant a better than b?
		if s.pinned[a.old] != s.pinned[b.old] {
			return s.pinned[a.old]
		}
		if overlap[a] != overlap[b] {
			return overlap[a] > overlap[b]
		}
		return a.old < b.old
	}
	// Each old person's majority cluster, if any.
	claim := make(map[int]key) // cluster -> best claimant
	for k, n := range overlap {
		if 2*n <= len(s.members[k.old]) {
			continue
		}
		if cur, ok := claim[k.c]; !ok || better(k, cur) {
			claim[k.c] = k
		}
	}
	ids := make([]PersonID, res.NumClusters)
	used := make(map[PersonID]bool)
	for c := range ids {
		if k, ok := claim[c]; ok {
			ids[c] = k.old
			used[k.old] = true
		}
	}
	// Pinned people left without a cluster, oldest first, take the
	// unclaimed cluster holding most of their faces.
	var pins []PersonID
	for p := range s.pinned {
		if !used[p] {
			pins = append(pins, p)
		}
	}
	slices.Sort(pins)
	for _, p := range pins {
		best, bestN := -1, 0
		for k, n := range overlap {
			if k.old == p && ids[k.c] == 0 && (n > bestN || (n == bestN && k.c < best)) {
				best, bestN = k.c, n
			}
		}
		if best >= 0 {
			ids[best] = p
			used[p] = true
		}
	}
	for c := range ids { // clusters are numbered by smallest face
		if ids[c] == 0 {
			ids[c] = s.newID()
		}
	}
	for p := range s.pinned {
		if !used[p] {
			delete(s.pinned, p)
		}
	}
	s.members = make(map[PersonID][]int, res.NumClusters)
	for f, c := range res.Labels {
		s.person[f] = ids[c]
		s.members[ids[c]] = append(s.members[ids[c]], f)
	}
}
