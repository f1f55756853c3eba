package sdk

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"
)

func TestConsentGate(t *testing.T) {
	if _, err := New(); !errors.Is(err, ErrNoConsent) {
		t.Errorf("New(): %v", err)
	}
	if _, err := New(WithConsent(false)); !errors.Is(err, ErrNoConsent) {
		t.Errorf("New(WithConsent(false)): %v", err)
	}
	eng, err := New(WithConsent(true))
	if err != nil {
		t.Fatal(err)
	}
	if info := eng.Info(); info.Version != Version || info.ISA == "" {
		t.Errorf("Info: %+v", info)
	}
	path := tempAlbum(t)
	for _, opts := range [][]Option{nil, {WithConsent(false)}, {WithConsent(true), WithConsent(false)}} {
		if _, err := OpenAlbum(path, testKey, opts...); !errors.Is(err, ErrNoConsent) {
			t.Errorf("OpenAlbum without consent: %v", err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenAlbum without consent touched the file: %v", err)
	}
}

func TestOptions(t *testing.T) {
	bad := [][]Option{
		{nil},
		{WithThreshold(-0.1)}, {WithThreshold(2.5)}, {WithThreshold(float32(nan()))},
		{WithMinQuality(1.5)}, {WithRefineEvery(-1)}, {WithWorkers(-2)},
		{WithEngine(nil)}, {WithLockTimeout(0)},
	}
	for i, opts := range bad {
		if _, err := OpenAlbum(tempAlbum(t), testKey, append(opts, WithConsent(true))...); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("bad option set %d: %v", i, err)
		}
	}
	if _, err := New(WithConsent(true), WithThreshold(0.3)); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("album option given to New: %v", err)
	}
	for i, o := range []Option{WithMode(ModeFast), WithMinFaceSize(20), WithScoreThreshold(0.6), WithRotationSweep(true), WithMaxFaces(3)} {
		if _, err := OpenAlbum(tempAlbum(t), testKey, WithConsent(true), o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("engine option %d given to OpenAlbum: %v", i, err)
		}
	}
	for i, o := range []Option{WithMode(7), WithMinFaceSize(-1), WithScoreThreshold(0), WithScoreThreshold(1), WithMaxFaces(-1), WithMaxFaces(MaxFacesPerPhoto + 1)} {
		if _, err := New(WithConsent(true), o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("bad engine option %d: %v", i, err)
		}
	}
	if _, err := OpenAlbum("", testKey, WithConsent(true)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty path: %v", err)
	}
}

func nan() float64 { var z float64; return z / z }

func TestEngineWithoutModels(t *testing.T) {
	var eng Engine // not built by New: no networks
	img, _ := NewImage(8, 8)
	if _, err := eng.DetectFaceShape(img); !errors.Is(err, ErrNoEngine) {
		t.Errorf("DetectFaceShape: %v", err)
	}
	if _, err := eng.ExtractClusterFeature(img, Face{}); !errors.Is(err, ErrNoEngine) {
		t.Errorf("ExtractClusterFeature: %v", err)
	}
	a := openTest(t, tempAlbum(t))
	defer a.Close()
	if _, err := a.Add(context.Background(), "p", img); !errors.Is(err, ErrNoEngine) {
		t.Errorf("Add without engine: %v", err)
	}
}

// fakeAnalyzer "detects" faces from the image's first pixels: pixel i's
// red value, if non-zero, is a face of person red-1.
type fakeAnalyzer struct{ delay time.Duration }

func (f fakeAnalyzer) detect(ctx context.Context, img Image) ([]Face, error) {
	var out []Face
	for x := 0; x < img.Width && x < 8; x++ {
		if c := img.At(x, 0); c.R != 0 {
			out = append(out, Face{Box: Box{X: float32(x), W: 1, H: 1}, Score: float32(c.R) / 255})
		}
	}
	return out, nil
}

func (f fakeAnalyzer) extract(ctx context.Context, img Image, face Face) (Feature, error) {
	if f.delay > 0 {
		select {
		case <-ctx.Done():
			return Feature{}, ctx.Err()
		case <-time.After(f.delay):
		}
	}
	p := int(img.At(int(face.Box.X), 0).R) - 1
	return Feature{Model: "fake", Vector: personVec(p, uint64(face.Box.X)), Quality: 1}, nil
}

func withFake(f fakeAnalyzer) Option {
	return func(s *settings) error { s.det, s.ext = f, f; return nil }
}

func fakeImage(people ...int) Image {
	img, _ := NewImage(16, 4)
	for i, p := range people {
		img.Pix[3*i] = uint8(p + 1)
	}
	return img
}

func TestAddWithEngine(t *testing.T) {
	eng, err := New(WithConsent(true), withFake(fakeAnalyzer{}))
	if err != nil {
		t.Fatal(err)
	}
	faces, err := eng.DetectFaceShape(fakeImage(0, 1))
	if err != nil || len(faces) != 2 || !validID(faces[0].ID) || faces[0].ID == faces[1].ID {
		t.Fatalf("DetectFaceShape: %v %+v", err, faces)
	}
	a := openTest(t, tempAlbum(t), WithEngine(eng))
	defer a.Close()
	ctx := context.Background()
	for i, people := range [][]int{{0, 1}, {0}, {1, 2}, {}} {
		got, err := a.Add(ctx, "photo"+itoa(i), fakeImage(people...))
		if err != nil || len(got) != len(people) {
			t.Fatalf("Add %d: %v, %d faces", i, err, len(got))
		}
	}
	ps, _ := a.People()
	if len(ps) != 3 {
		t.Errorf("%d people, want 3", len(ps))
	}
	if _, err := a.Add(ctx, "bad", Image{Width: 4, Height: 4, Stride: 2}); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("Add of a bad image: %v", err)
	}
	if _, err := a.Add(ctx, "photo0", fakeImage(3)); !errors.Is(err, ErrExists) {
		t.Errorf("Add of a photo twice: %v", err)
	}
	// Cancelled while describing faces: nothing added.
	slow, _ := New(WithConsent(true), withFake(fakeAnalyzer{delay: time.Second}))
	b := openTest(t, tempAlbum(t), WithEngine(slow))
	defer b.Close()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := b.Add(cctx, "slow", fakeImage(0, 1, 2)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled Add: %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("cancelled Add took %v", d)
	}
	if st, _ := b.Stats(); st.Photos != 0 {
		t.Errorf("a cancelled Add added %+v", st)
	}
}

func TestAddFeaturesValidation(t *testing.T) {
	a := openTest(t, tempAlbum(t))
	defer a.Close()
	ctx := context.Background()
	good := func() []FaceFeature { return photoFaces("x", 0) }
	cases := map[string]struct {
		mod  func(ff []FaceFeature) []FaceFeature
		want error
	}{
		"nan feature":   {func(ff []FaceFeature) []FaceFeature { ff[0].Feature.Vector[3] = float32(nan()); return ff }, ErrInvalidArgument},
		"zero feature":  {func(ff []FaceFeature) []FaceFeature { ff[0].Feature.Vector = make([]float32, testDim); return ff }, ErrInvalidArgument},
		"empty feature": {func(ff []FaceFeature) []FaceFeature { ff[0].Feature.Vector = nil; return ff }, ErrInvalidArgument},
		"no model":      {func(ff []FaceFeature) []FaceFeature { ff[0].Feature.Model = ""; return ff }, ErrInvalidArgument},
		"bad quality":   {func(ff []FaceFeature) []FaceFeature { ff[0].Feature.Quality = 2; return ff }, ErrInvalidArgument},
		"inf box":       {func(ff []FaceFeature) []FaceFeature { ff[0].Face.Box.W = float32(1 / zero()); return ff }, ErrInvalidArgument},
		"bad face ID":   {func(ff []FaceFeature) []FaceFeature { ff[0].Face.ID = "not-a-uuid"; return ff }, ErrInvalidArgument},
		"other face":    {func(ff []FaceFeature) []FaceFeature { ff[0].Feature.FaceID = "x"; return ff }, ErrInvalidArgument},
		"twice": {func(ff []FaceFeature) []FaceFeature {
			ff = append(ff, ff[0])
			id, _ := newID()
			ff[0].Face.ID, ff[1].Face.ID = id, id
			return ff
		}, ErrExists},
	}
	for name, c := range cases {
		if _, err := a.AddFeatures(ctx, "x", c.mod(good())); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	for _, id := range []string{"", string([]byte{0xff}), string(make([]byte, MaxIDLen+1))} {
		if _, err := a.AddFeatures(ctx, id, good()); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("photo ID %q: %v", id, err)
		}
	}
	ids, err := a.AddFeatures(ctx, "x", good())
	if err != nil {
		t.Fatal(err)
	}
	other := good()
	other[0].Feature.Model = "other"
	if _, err := a.AddFeatures(ctx, "y", other); !errors.Is(err, ErrModelMismatch) {
		t.Errorf("other model: %v", err)
	}
	short := good()
	short[0].Feature.Vector = short[0].Feature.Vector[:8]
	if _, err := a.AddFeatures(ctx, "y", short); !errors.Is(err, ErrModelMismatch) {
		t.Errorf("other dimension: %v", err)
	}
	reuse := good()
	reuse[0].Face.ID = ids[0]
	if _, err := a.AddFeatures(ctx, "y", reuse); !errors.Is(err, ErrExists) {
		t.Errorf("reused face ID: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.AddFeatures(cctx, "z", good()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if st, _ := a.Stats(); st.Photos != 1 || st.Faces != 1 {
		t.Errorf("failed adds changed the album: %+v", st)
	}
	if _, err := a.Person("nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Person: %v", err)
	}
	if _, err := a.Face("nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Face: %v", err)
	}
	if err := a.Forget(ctx, "x", "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Forget: %v", err)
	}
	if err := a.Export(ctx, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Export(nil): %v", err)
	}
}

func zero() float64 { return 0 }

// TestCorrections checks that merges, rejections, confirmations and names
// hold across refines and reopening.
func TestCorrections(t *testing.T) {
	path := tempAlbum(t)
	a := openTest(t, path, WithRefineEvery(0))
	ctx := context.Background()
	// Person 0 in photos 1-3; person 1 in photos 1, 4; person 2 in 5, 6.
	mustAdd(t, a, "p1", 0, 1)
	mustAdd(t, a, "p2", 0)
	mustAdd(t, a, "p3", 0)
	mustAdd(t, a, "p4", 1)
	mustAdd(t, a, "p5", 2)
	mustAdd(t, a, "p6", 2)
	personOf := func(photo string, i int) string {
		ph, err := a.Photo(photo)
		if err != nil {
			t.Fatal(err)
		}
		return ph.Faces[i].Person
	}
	ann, bob, cat := personOf("p1", 0), personOf("p1", 1), personOf("p5", 0)
	if ann == bob || ann == cat || personOf("p2", 0) != ann || personOf("p6", 0) != cat {
		t.Fatalf("unexpected clustering")
	}
	// Ann and Bob share photo p1: they cannot be merged.
	if err := a.Merge(ann, bob); !errors.Is(err, ErrConflict) {
		t.Errorf("merging people of one photo: %v", err)
	}
	// Bob and Cat are one person (the user says).
	if err := a.Merge(bob, cat); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Person(cat); !errors.Is(err, ErrNotFound) {
		t.Errorf("merged-away person still there: %v", err)
	}
	if err := a.Name(bob, "Bob"); err != nil {
		t.Fatal(err)
	}
	// The face in p3 is not Ann.
	p3face := func() string { ph, _ := a.Photo("p3"); return ph.Faces[0].ID }()
	nobody, err := a.Reject(p3face, ann)
	if err != nil || nobody == ann {
		t.Fatalf("Reject: %v, %s", err, nobody)
	}
	check := func(when string) {
		t.Helper()
		if personOf("p3", 0) == personOf("p1", 0) {
			t.Errorf("%s: the rejected face is back with Ann", when)
		}
		b := personOf("p1", 1)
		if personOf("p5", 0) != b || personOf("p6", 0) != b || personOf("p4", 0) != b {
			t.Errorf("%s: the merge did not hold", when)
		}
		if p, _ := a.Person(b); p.Name != "Bob" || p.ID != bob {
			t.Errorf("%s: Bob is now %+v", when, p)
		}
		if personOf("p2", 0) != ann || personOf("p1", 0) != ann {
			t.Errorf("%s: Ann lost her ID", when)
		}
	}
	check("after the corrections")
	if err := a.Refine(ctx); err != nil {
		t.Fatal(err)
	}
	check("after Refine")
	a.Close()
	a = openTest(t, path, WithRefineEvery(0))
	check("after reopening")
	if err := a.Refine(ctx); err != nil {
		t.Fatal(err)
	}
	check("after reopening and Refine")
	// Confirm overrides the rejection.
	if err := a.Confirm(p3face, ann); err != nil {
		t.Fatal(err)
	}
	if personOf("p3", 0) != ann {
		t.Errorf("Confirm did not move the face")
	}
	if err := a.Refine(ctx); err != nil {
		t.Fatal(err)
	}
	if personOf("p3", 0) != ann {
		t.Errorf("Confirm did not hold through Refine")
	}
	// Confirming a face into a person already in its photo conflicts.
	if err := a.Confirm(func() string { ph, _ := a.Photo("p1"); return ph.Faces[1].ID }(), ann); !errors.Is(err, ErrConflict) {
		t.Errorf("Confirm into one photo: %v", err)
	}
	photos, _ := a.PhotosOf(ann)
	if !slices.Equal(photos, []string{"p1", "p2", "p3"}) {
		t.Errorf("PhotosOf(Ann) = %v", photos)
	}
	// Forgetting a merged photo keeps the rest of the decision.
	if err := a.Forget(ctx, "p5"); err != nil {
		t.Fatal(err)
	}
	if err := a.Refine(ctx); err != nil {
		t.Fatal(err)
	}
	if personOf("p6", 0) != personOf("p4", 0) {
		t.Errorf("the merge did not survive forgetting one of its photos")
	}
	a.Close()
}

func TestRefineCancel(t *testing.T) {
	a := openTest(t, tempAlbum(t), WithRefineEvery(0))
	defer a.Close()
	for i := 0; i < 50; i++ {
		mustAdd(t, a, "p"+itoa(i), i%5)
	}
	before, _ := takeSnapshot(a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Refine(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Refine: %v", err)
	}
	after, _ := takeSnapshot(a)
	if !before.equal(after) {
		t.Errorf("a cancelled Refine changed the album")
	}
}
