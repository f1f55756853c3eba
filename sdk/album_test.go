package sdk

import (
	"context"
	"errors"
	"testing"
)

func TestAlbumBasic(t *testing.T) {
	path := tempAlbum(t)
	a := openTest(t, path)
	mustAdd(t, a, "p1", 0, 1)
	mustAdd(t, a, "p2", 0)
	mustAdd(t, a, "p3", 1, 2)
	ps, err := a.People()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("%d people, want 3: %+v", len(ps), ps)
	}
	if got := ps[0].Photos; len(got) != 2 || got[0] != "p1" || got[1] != "p2" {
		t.Errorf("person 0 photos %v", got)
	}
	before, err := takeSnapshot(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.People(); !errors.Is(err, ErrClosed) {
		t.Errorf("People after Close: %v", err)
	}
	a = openTest(t, path)
	defer a.Close()
	after, err := takeSnapshot(a)
	if err != nil {
		t.Fatal(err)
	}
	if !before.equal(after) {
		t.Errorf("reopened album differs")
	}
	if err := a.Refine(context.Background()); err != nil {
		t.Fatal(err)
	}
	ref, _ := takeSnapshot(a)
	if !before.equal(ref) {
		t.Errorf("refine changed a clean clustering")
	}
}
