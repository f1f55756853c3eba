package sdk

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/embed"
	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/imageio"
	"github.com/facecluster/facecluster/models"
)

// The real engine is built once per test binary (0.2 s, tens of MB).
var (
	realEngine = sync.OnceValues(func() (*Engine, error) { return New(WithConsent(true)) })
)

func TestEngineInfo(t *testing.T) {
	eng, err := realEngine()
	if err != nil {
		t.Fatal(err)
	}
	info := eng.Info()
	if info.Version != Version || info.ISA == "" || info.Mode != "accurate" || info.Feature != FeatureAccurate {
		t.Errorf("Info: %+v", info)
	}
	want := map[string]string{
		models.BlazeFaceBackFile: models.BlazeFaceBackSHA256,
		models.DlibResNetFile:    models.DlibResNetSHA256,
		models.FaceResFile:       models.FaceResSHA256,
	}
	if len(info.Models) != len(want) {
		t.Fatalf("%d models, want %d", len(info.Models), len(want))
	}
	for _, m := range info.Models {
		if want[m.File] != m.SHA256 || m.Name == "" || !strings.Contains(m.Source, "@") {
			t.Errorf("model %+v", m)
		}
	}
	info.Models[0].SHA256 = "changed"
	if eng.Info().Models[0].SHA256 == "changed" {
		t.Error("Info shares its Models slice")
	}
	if th, ok := Threshold(FeatureAccurate); !ok || th != ThresholdAccurate {
		t.Errorf("Threshold(accurate) = %v, %v", th, ok)
	}
	if _, ok := Threshold("host-v1"); ok {
		t.Error("Threshold of an unknown tag")
	}
	if FeatureAccurate != embed.TagFused || FeatureFast != embed.TagDlib {
		t.Error("feature tags differ from embed's")
	}
}

// TestImageLayout: an Image converts to detect.Image and back sharing its
// pixels (the engine relies on it), and so does an imageio.Image.
func TestImageLayout(t *testing.T) {
	img, _ := NewImage(3, 2)
	d := detect.Image(img)
	d.Pix[0] = 9
	if img.Pix[0] != 9 || Image(d).Pix[0] != 9 {
		t.Error("conversion copied the pixels")
	}
	io := imageio.Image{Width: 1, Height: 1, Stride: 3, Pix: []byte{1, 2, 3}}
	if Image(io).Validate() != nil {
		t.Error("imageio.Image does not convert")
	}
}

// TestEngineFaceChecks: ExtractClusterFeature wants the detector's six
// landmarks; wrong ones are an error, never a panic.
func TestEngineFaceChecks(t *testing.T) {
	eng, err := realEngine()
	if err != nil {
		t.Fatal(err)
	}
	img, _ := NewImage(64, 64)
	faces, err := eng.DetectFaceShape(img)
	if err != nil || len(faces) != 0 {
		t.Errorf("black image: %v, %d faces", err, len(faces))
	}
	for _, f := range []Face{
		{},
		{Box: Box{W: 10, H: 10}, Landmarks: make([]Point, 5)},
		{Box: Box{X: -1e30, W: 1e30, H: -5}, Landmarks: make([]Point, 6)},
	} {
		if _, err := eng.ExtractClusterFeature(img, f); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("face %+v: %v", f, err)
		}
	}
}

// devPeople returns, from labels.csv, n identities of the deepface slice
// with their k smallest photos each (small photos are quick to analyse).
func devPeople(t testing.TB, dir string, n, k int) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[0], "identity/deepface/") {
			byID[r[1]] = append(byID[r[1]], r[0])
		}
	}
	size := func(p string) int64 {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	out := map[string][]string{}
	for _, id := range []string{"Angelina_Jolie", "Jack_Dorsey", "Katy_Perry", "Mark_Zuckerberg"}[:n] {
		files := byID[id]
		if len(files) < k {
			t.Fatalf("%s: %d photos", id, len(files))
		}
		sort.Slice(files, func(i, j int) bool { return size(files[i]) < size(files[j]) })
		out[id] = files[:k]
	}
	return out
}

// TestAlbumAddDevPhotos adds photos of a few people through Album.Add (in
// parallel, as the CLI does) and checks that People groups them right.
func TestAlbumAddDevPhotos(t *testing.T) {
	dir := devdata.Dir(t)
	n, k := 3, 3
	if devdata.Slow() {
		n, k = 2, 2
	}
	people := devPeople(t, dir, n, k)
	eng, err := realEngine()
	if err != nil {
		t.Fatal(err)
	}
	a := openTest(t, tempAlbum(t), WithEngine(eng))
	defer a.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, n*k)
	for _, files := range people {
		for _, file := range files {
			wg.Go(func() {
				img, _, err := imageio.DecodeFile(filepath.Join(dir, file))
				if err != nil {
					errs <- err
					return
				}
				faces, err := a.Add(ctx, file, Image(img))
				if err == nil && len(faces) == 0 {
					err = errors.New(file + ": no face found")
				}
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Refine(ctx); err != nil {
		t.Fatal(err)
	}
	ps, err := a.People()
	if err != nil {
		t.Fatal(err)
	}
	// Each identity's photos must all be one person's, and that person
	// no one else's.
	for id, files := range people {
		var owner string
		for _, p := range ps {
			if slices.Contains(p.Photos, files[0]) {
				owner = p.ID
				for _, ph := range p.Photos {
					if !slices.Contains(files, ph) {
						t.Errorf("%s's person also holds %s", id, ph)
					}
				}
				for _, f := range files {
					if !slices.Contains(p.Photos, f) {
						t.Errorf("%s: %s is not with %s", id, f, files[0])
					}
				}
			}
		}
		if owner == "" {
			t.Errorf("%s: %s in no person", id, files[0])
		}
	}
	if len(ps) != n {
		for _, p := range ps {
			t.Logf("person %s: %v", p.ID[:8], p.Photos)
		}
		t.Errorf("%d people, want %d", len(ps), n)
	}
	// The album's features carry the accurate tag and its threshold.
	a.mu.RLock()
	tag, th := a.m.tag, a.m.threshold()
	a.mu.RUnlock()
	if tag != FeatureAccurate || th != ThresholdAccurate {
		t.Errorf("album tag %q threshold %v", tag, th)
	}
}

// TestFastMode: a fast engine extracts 128-d dlib features.
func TestFastMode(t *testing.T) {
	dir := devdata.Dir(t)
	eng, err := New(WithConsent(true), WithMode(ModeFast), WithMinFaceSize(16))
	if err != nil {
		t.Fatal(err)
	}
	if info := eng.Info(); info.Mode != "fast" || info.Feature != FeatureFast || len(info.Models) != 2 {
		t.Errorf("Info: %+v", info)
	}
	file := devPeople(t, dir, 1, 1)["Angelina_Jolie"][0]
	img, _, err := imageio.DecodeFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	faces, err := eng.DetectFaceShape(Image(img))
	if err != nil || len(faces) == 0 {
		t.Fatalf("%s: %v, %d faces", file, err, len(faces))
	}
	f := faces[0]
	if !validID(f.ID) || len(f.Landmarks) != 6 || f.Score < 0.5 || f.Box.W < 16 {
		t.Errorf("face %+v", f)
	}
	feat, err := eng.ExtractClusterFeature(Image(img), f)
	if err != nil || feat.Model != FeatureFast || len(feat.Vector) != embed.DimDlib || feat.FaceID != f.ID || !(feat.Quality > 0) {
		t.Errorf("feature: %v %q %d %q %v", err, feat.Model, len(feat.Vector), feat.FaceID, feat.Quality)
	}
}
