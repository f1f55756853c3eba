package sdk

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestConcurrentUse runs every kind of call at once (run it with -race).
func TestConcurrentUse(t *testing.T) {
	path := tempAlbum(t)
	a := openTest(t, path, WithRefineEvery(10))
	ctx := context.Background()
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	fail := func(err error, ok ...error) {
		if err != nil && !isAny(err, ok...) {
			select {
			case errc <- err:
			default:
			}
		}
	}
	const writers, perWriter = 4, 15
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < perWriter; i++ {
				id := "w" + itoa(w) + "-" + itoa(i)
				_, err := a.AddFeatures(ctx, id, photoFaces(id, r.IntN(6), 6+r.IntN(2)))
				fail(err)
				if i%5 == 4 {
					fail(a.Forget(ctx, id))
				}
			}
		}(w)
	}
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < 40; i++ {
				ps, err := a.People()
				fail(err)
				if len(ps) < 2 {
					continue
				}
				x, y := ps[r.IntN(len(ps))], ps[r.IntN(len(ps))]
				switch i % 6 {
				case 0:
					fail(a.Merge(x.ID, y.ID), ErrConflict, ErrNotFound)
				case 1:
					_, err := a.Reject(x.Faces[0], y.ID)
					fail(err, ErrConflict, ErrNotFound)
				case 2:
					fail(a.Name(x.ID, "n"+itoa(i)), ErrNotFound)
				case 3:
					fail(a.Export(ctx, io.Discard))
				case 4:
					fail(a.Refine(ctx))
				case 5:
					_, err := a.PhotosOf(x.ID)
					fail(err, ErrNotFound)
					_, err = a.Face(x.Faces[0])
					fail(err, ErrNotFound)
					_, err = a.Stats()
					fail(err)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	before, err := takeSnapshot(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.photos) != writers*(perWriter-perWriter/5) {
		t.Errorf("%d photos, want %d", len(before.photos), writers*(perWriter-perWriter/5))
	}
	// Close racing with reads: every call either works or reports ErrClosed.
	var wg2 sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for i := 0; i < 20; i++ {
				if _, err := a.People(); err != nil && !errors.Is(err, ErrClosed) {
					t.Error(err)
				}
			}
		}()
	}
	a.Close()
	wg2.Wait()
	b := openTest(t, path)
	defer b.Close()
	after, _ := takeSnapshot(b)
	if !before.equal(after) {
		t.Errorf("the album changed across reopening")
	}
}
