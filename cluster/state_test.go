package cluster

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/vec"
)

func newTestState(t *testing.T, opt StateOptions) *State {
	t.Helper()
	s, err := NewState(opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func assignAll(t *testing.T, s *State, x vec.Matrix, rows []int) {
	t.Helper()
	for _, r := range rows {
		if _, err := s.Assign(Face{Feature: x.Row(r), Quality: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

func personLabels(s *State) []int {
	out := make([]int, s.Len())
	for i, p := range s.Labels() {
		out[i] = int(p)
	}
	return out
}

// TestStateIncrementalNearBatch streams faces in random order through
// Assign, with Refine at half and three quarters, and compares the
// BCubed F of the final state (the last quarter assigned incrementally)
// with that of one batch run.
func TestStateIncrementalNearBatch(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 800
	}
	for _, l := range linkages {
		rng := rand.New(rand.NewPCG(21, uint64(l)))
		x, truth := blobs(rng, n, 64, n/15, 0.85)
		// Genuine distances are about 0.42, impostor ones about 1 (± 0.13).
		opt := Options{Threshold: 0.6, Linkage: l}
		if l == Complete {
			opt.Threshold = 0.8
		}
		// Single linkage chains: a new face that would bridge two people
		// in a batch run joins only one of them in Assign, so incremental
		// single linkage can only be held to a looser bound.
		tol := 0.02
		if l == Single {
			opt.Threshold, tol = 0.45, 0.05
		}
		order := rng.Perm(n)
		y := vec.NewMatrix(n, x.Dim)
		tr := make([]int, n)
		for i, r := range order {
			copy(y.Row(i), x.Row(r))
			tr[i] = truth[r]
		}
		batch, err := Exact(&Input{Features: y}, opt)
		if err != nil {
			t.Fatal(err)
		}
		bs, _ := Evaluate(batch.Labels, tr)
		s := newTestState(t, StateOptions{Options: opt})
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		assignAll(t, s, y, all[:n/2])
		if err := s.Refine(); err != nil {
			t.Fatal(err)
		}
		assignAll(t, s, y, all[n/2:3*n/4])
		if err := s.Refine(); err != nil {
			t.Fatal(err)
		}
		assignAll(t, s, y, all[3*n/4:])
		is, _ := Evaluate(personLabels(s), tr)
		t.Logf("%v: batch BCubed F %.4f (%d clusters), incremental %.4f (%d), %d people", l, bs.BCubedF, bs.Clusters, is.BCubedF, is.Clusters, bs.Classes)
		if math.Abs(is.BCubedF-bs.BCubedF) > tol {
			t.Errorf("%v: incremental BCubed F %.4f, batch %.4f", l, is.BCubedF, bs.BCubedF)
		}
		if err := s.Refine(); err != nil {
			t.Fatal(err)
		}
		if !samePartition(personLabels(s), batch.Labels) {
			t.Errorf("%v: Refine over every face differs from the batch run", l)
		}
	}
}

func TestStateIDsStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	x, _ := blobs(rng, 400, 32, 20, 0.3)
	s := newTestState(t, StateOptions{Options: Options{Threshold: 0.4}})
	rows := rng.Perm(400)
	assignAll(t, s, x, rows[:300])
	before := s.Labels()
	if err := s.Refine(); err != nil {
		t.Fatal(err)
	}
	after := s.Labels()
	// Every person whose faces mostly stay together keeps its ID.
	kept, total := 0, 0
	for p, faces := range peopleOf(before) {
		total++
		count := map[PersonID]int{}
		for _, f := range faces {
			count[after[f]]++
		}
		if count[p]*2 > len(faces) {
			kept++
		} else {
			for q, c := range count {
				if c*2 > len(faces) && q != p {
					// Only allowed if q was a bigger claimant.
					if len(peopleOf(before)[q]) == 0 {
						t.Errorf("person %d lost its majority cluster to new ID %d", p, q)
					}
				}
			}
		}
	}
	t.Logf("%d of %d people kept their IDs", kept, total)
	// A second Refine changes nothing.
	if err := s.Refine(); err != nil {
		t.Fatal(err)
	}
	for f, p := range s.Labels() {
		if p != after[f] {
			t.Fatalf("second Refine moved face %d from %d to %d", f, after[f], p)
		}
	}
	assignAll(t, s, x, rows[300:])
	mid := s.Labels()
	if err := s.Refine(); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for f := range 300 {
		if s.Person(f) != mid[f] {
			changed++
		}
	}
	if changed > 15 {
		t.Errorf("Refine after 100 more faces relabelled %d of 300 old faces", changed)
	}
}

func peopleOf(labels []PersonID) map[PersonID][]int {
	m := map[PersonID][]int{}
	for f, p := range labels {
		m[p] = append(m[p], f)
	}
	return m
}

func TestStateDecisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	x, _ := blobs(rng, 60, 16, 4, 0.2)
	for _, l := range linkages {
		s := newTestState(t, StateOptions{Options: Options{Threshold: 0.3, Linkage: l}})
		for r := range 60 {
			if _, err := s.Assign(Face{Feature: x.Row(r), Photo: uint64(r + 1)}); err != nil {
				t.Fatal(err)
			}
		}
		people := s.People()
		if len(people) < 2 {
			t.Fatalf("%v: %d people", l, len(people))
		}
		var ids []PersonID
		for p := range people {
			ids = append(ids, p)
		}
		a, b := min(ids[0], ids[1]), max(ids[0], ids[1])
		if err := s.Merge(a, b); err != nil {
			t.Fatal(err)
		}
		fa, fb := people[a][0], people[b][0]
		if s.Person(fb) != a {
			t.Fatalf("%v: Merge left face %d in %d", l, fb, s.Person(fb))
		}
		// Reject a face of a; confirm another face of b's into a new place.
		rej := people[a][len(people[a])-1]
		if rej == fa {
			t.Skip("person of one face")
		}
		np, err := s.Reject(rej, a)
		if err != nil {
			t.Fatal(err)
		}
		if np == a || s.Person(rej) != np {
			t.Fatalf("%v: Reject left face %d in %d", l, rej, s.Person(rej))
		}
		for range 2 {
			if err := s.Refine(); err != nil {
				t.Fatal(err)
			}
			pa := s.Person(fa)
			if s.Person(fb) != pa {
				t.Fatalf("%v: Refine split merged faces %d, %d", l, fa, fb)
			}
			if s.Person(rej) == pa {
				t.Fatalf("%v: Refine put rejected face %d back", l, rej)
			}
		}
		// Confirm brings the rejected face back, and it stays.
		if err := s.Confirm(rej, s.Person(fa)); err != nil {
			t.Fatal(err)
		}
		if err := s.Refine(); err != nil {
			t.Fatal(err)
		}
		if s.Person(rej) != s.Person(fa) {
			t.Fatalf("%v: confirmed face %d left after Refine", l, rej)
		}
	}
}

func TestStatePhotoConstraint(t *testing.T) {
	s := newTestState(t, StateOptions{Options: Options{Threshold: 0.2}})
	p1, _ := s.Assign(Face{Feature: []float32{1, 0}, Photo: 5})
	p2, _ := s.Assign(Face{Feature: []float32{1, 0.01}, Photo: 5})
	p3, _ := s.Assign(Face{Feature: []float32{2, -0.002}, Photo: 6})
	if p1 == p2 {
		t.Fatal("faces of one photo share a person")
	}
	if p3 != p1 {
		t.Fatalf("face 2 joined %d, want %d (the nearest)", p3, p1)
	}
	if err := s.Merge(p1, p2); !errors.Is(err, ErrConflict) {
		t.Fatalf("Merge across one photo: %v", err)
	}
	if err := s.Confirm(1, p1); !errors.Is(err, ErrConflict) {
		t.Fatalf("Confirm across one photo: %v", err)
	}
	if err := s.Refine(); err != nil {
		t.Fatal(err)
	}
	if s.Person(0) == s.Person(1) {
		t.Fatal("Refine joined faces of one photo")
	}
}

func TestStateErrors(t *testing.T) {
	if _, err := NewState(StateOptions{Options: Options{Threshold: -1}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("NewState: %v", err)
	}
	s := newTestState(t, StateOptions{Options: Options{Threshold: 0.2}})
	if _, err := s.Assign(Face{}); !errors.Is(err, ErrDimension) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := s.Assign(Face{Feature: []float32{1, 0}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    Face
		want error
	}{
		{Face{Feature: []float32{1, 0, 0}}, ErrDimension},
		{Face{Feature: []float32{float32(math.NaN()), 0}}, ErrFeature},
		{Face{Feature: []float32{0, 0}}, ErrFeature},
		{Face{Feature: []float32{1, 0}, Quality: float32(math.NaN())}, ErrFeature},
	} {
		_, err := s.Assign(c.f)
		if !errors.Is(err, c.want) || !contains(err.Error(), "face 1") {
			t.Fatalf("Assign(%v): %v, want %v naming face 1", c.f, err, c.want)
		}
	}
	if s.Len() != 1 {
		t.Fatalf("failed Assign added faces: Len %d", s.Len())
	}
	if _, err := s.Reject(3, 1); !errors.Is(err, ErrConstraint) {
		t.Fatalf("Reject bad face: %v", err)
	}
	if err := s.Merge(1, 99); !errors.Is(err, ErrConstraint) {
		t.Fatalf("Merge bad person: %v", err)
	}
}

// TestStateSparseRefine checks that Refine beyond ExactLimit runs Sparse and
// still honours the user's decisions.
func TestStateSparseRefine(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	x, truth := blobs(rng, 300, 32, 15, 0.5)
	s := newTestState(t, StateOptions{Options: Options{Threshold: 0.4}, ExactLimit: 100, Sparse: SparseOptions{K: 8}})
	all := rng.Perm(300)
	assignAll(t, s, x, all)
	p0 := s.Person(0)
	var other PersonID
	for f := range 300 {
		if p := s.Person(f); p != p0 {
			other = p
			break
		}
	}
	if err := s.Merge(p0, other); err != nil {
		t.Fatal(err)
	}
	if err := s.Refine(); err != nil {
		t.Fatal(err)
	}
	labels := personLabels(s)
	got, _ := Evaluate(labels, make([]int, 300))
	if got.Clusters >= 300 {
		t.Fatalf("Sparse refine made %d clusters", got.Clusters)
	}
	sc, _ := Evaluate(labels, reorder(truth, all))
	t.Logf("BCubed F %.4f", sc.BCubedF)
	if sc.BCubedF < 0.9 {
		t.Errorf("BCubed F %.4f after sparse Refine", sc.BCubedF)
	}
	if _, err := NewState(StateOptions{Options: Options{Threshold: 0.4, Linkage: Complete}, Sparse: SparseOptions{K: -1}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("bad Sparse options: %v", err)
	}
}

// reorder returns truth in the order faces were assigned.
func reorder(truth, order []int) []int {
	out := make([]int, len(order))
	for i, r := range order {
		out[i] = truth[r]
	}
	return out
}
