package cluster

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// unitFeature returns a unit vector near direction d of dim.
func unitFeature(rng *rand.Rand, dim, d int, noise float64) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * noise)
	}
	v[d] += 1
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / math.Sqrt(ss))
	}
	return v
}

// TestStateSnapshotRestore checks that Restore rebuilds a State exactly,
// with its decisions, and that both then behave alike.
func TestStateSnapshotRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	opt := StateOptions{Options: Options{Threshold: 0.5}}
	s := newTestState(t, opt)
	for i := range 40 {
		if _, err := s.Assign(Face{Feature: unitFeature(rng, 16, i%4, 0.1), Photo: uint64(i + 1), Quality: 1}); err != nil {
			t.Fatal(err)
		}
	}
	p0, p1 := s.Person(0), s.Person(3)
	if err := s.Merge(p0, p1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reject(5, s.Person(5)); err != nil {
		t.Fatal(err)
	}
	if err := s.Pin(p0, true); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	r, err := Restore(opt, snap)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Snapshot(), snap) {
		t.Fatal("Restore(Snapshot()) differs")
	}
	f := Face{Feature: unitFeature(rng, 16, 2, 0.1), Photo: 99, Quality: 1}
	a, _ := s.Assign(f)
	b, _ := r.Assign(f)
	if a != b {
		t.Fatalf("Assign after Restore: %d, want %d", b, a)
	}
	if err := s.Refine(); err != nil {
		t.Fatal(err)
	}
	if err := r.RefineContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Snapshot(), s.Snapshot()) {
		t.Fatal("Refine after Restore differs")
	}

	bad := *snap
	bad.Labels = slices.Clone(snap.Labels)
	bad.Labels[0] = snap.NextID
	if _, err := Restore(opt, &bad); !errors.Is(err, ErrConstraint) {
		t.Fatalf("label beyond NextID: %v", err)
	}
	bad = *snap
	bad.Groups = [][]int{{0, 5}} // apart: 5 was rejected from 0's person
	if _, err := Restore(opt, &bad); !errors.Is(err, ErrConstraint) {
		t.Fatalf("group across people: %v", err)
	}
	bad = *snap
	bad.CannotLink = []Pair{{0, 3}} // merged
	if _, err := Restore(opt, &bad); !errors.Is(err, ErrConstraint) {
		t.Fatalf("cannot-link inside a person: %v", err)
	}
}

// TestStateRemove checks the compaction of indices and constraints.
func TestStateRemove(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := newTestState(t, StateOptions{Options: Options{Threshold: 0.5}})
	for i := range 6 {
		if _, err := s.Assign(Face{Feature: unitFeature(rng, 8, i%2, 0.05), Photo: uint64(i + 1), Quality: 1}); err != nil {
			t.Fatal(err)
		}
	}
	// Faces 0, 2, 4 are one person, 1, 3, 5 another.
	pa, pb := s.Person(0), s.Person(1)
	if s.Person(2) != pa || s.Person(5) != pb || pa == pb {
		t.Fatalf("people %v", s.Labels())
	}
	if err := s.Confirm(4, pa); err != nil { // group {0, 2, 4}
		t.Fatal(err)
	}
	if _, err := s.Reject(3, pa); err != nil {
		t.Fatal(err)
	}
	if err := s.Pin(pb, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(2, 0, 2); err != nil {
		t.Fatal(err)
	}
	// Old 1, 3, 4, 5 are now 0, 1, 2, 3.
	if got, want := s.Labels(), []PersonID{pb, pb, pa, pb}; !slices.Equal(got, want) {
		t.Fatalf("labels %v, want %v", got, want)
	}
	if g := s.Groups(); len(g) != 0 {
		t.Fatalf("groups %v, want none ({4} is left alone)", g)
	}
	if c, want := s.CannotLinks(), []Pair{{1, 2}}; !slices.Equal(c, want) {
		t.Fatalf("cannot-links %v, want %v", c, want)
	}
	if err := s.Remove(0, 1, 3); err != nil {
		t.Fatal(err)
	}
	if s.Pinned(pb) || s.Members(pb) != nil || len(s.People()) != 1 {
		t.Fatalf("person %d not retired: %v", pb, s.People())
	}
	if err := s.Remove(7); !errors.Is(err, ErrConstraint) || s.Len() != 1 {
		t.Fatalf("Remove out of range: %v", err)
	}
	if err := s.Remove(0); err != nil || s.Len() != 0 {
		t.Fatal(err)
	}
	// An empty State takes any dimension again.
	if _, err := s.Assign(Face{Feature: []float32{1, 0, 0}, Quality: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestStatePinned checks that a pinned person keeps its ID when its faces
// merge with a larger person, and that Reject of a group's first face
// leaves the rest of the group together.
func TestStatePinned(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, pin := range []bool{false, true} {
		s := newTestState(t, StateOptions{Options: Options{Threshold: 0.5}})
		// Faces 0-1 and 2-4 are one direction but kept apart by a
		// rejection at first.
		for i := range 5 {
			if _, err := s.Assign(Face{Feature: unitFeature(rng, 8, 0, 0.05), Photo: uint64(i + 1), Quality: 1}); err != nil {
				t.Fatal(err)
			}
		}
		small := s.Person(0)
		for _, f := range []int{2, 3, 4} {
			if s.Person(f) != small {
				t.Fatal("faces not together")
			}
		}
		// Split: 2, 3, 4 leave for one new person.
		np, _ := s.Reject(2, small)
		for _, f := range []int{3, 4} {
			if err := s.Confirm(f, np); err != nil {
				t.Fatal(err)
			}
		}
		// Drop the rejection; everything may merge on Refine.
		if err := s.Confirm(2, small); err != nil {
			t.Fatal(err)
		}
		if err := s.Confirm(2, np); err != nil {
			t.Fatal(err)
		}
		if s.Members(small) == nil || len(s.Members(np)) != 3 {
			t.Fatalf("setup: %v", s.People())
		}
		if err := s.Pin(small, pin); err != nil {
			t.Fatal(err)
		}
		if err := s.Refine(); err != nil {
			t.Fatal(err)
		}
		want := np
		if pin {
			want = small
		}
		if got := s.Person(0); got != want || len(s.People()) != 1 {
			t.Fatalf("pin %v: person %d (%v), want %d", pin, got, s.People(), want)
		}
	}
}

// TestStateRefineContext checks that a cancelled RefineContext leaves the
// State as it was.
func TestStateRefineContext(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	s := newTestState(t, StateOptions{Options: Options{Threshold: 0.5}})
	for i := range 30 {
		if _, err := s.Assign(Face{Feature: unitFeature(rng, 8, i%3, 0.3), Quality: 1}); err != nil {
			t.Fatal(err)
		}
	}
	before := s.Snapshot()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.RefineContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled RefineContext: %v", err)
	}
	if !reflect.DeepEqual(s.Snapshot(), before) {
		t.Fatal("cancelled RefineContext changed the State")
	}
}
