package embed

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/detect"

	"github.com/facecluster/facecluster/internal/devdata"
)

type labelled struct{ file, id string }

func labels(t testing.TB, dir string) []labelled {
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []labelled
	for _, r := range rows[1:] {
		out = append(out, labelled{r[0], r[1]})
	}
	return out
}

var testDet = func() func(t testing.TB, sweep bool) *detect.Detector {
	var d [2]*detect.Detector
	return func(t testing.TB, sweep bool) *detect.Detector {
		i := 0
		if sweep {
			i = 1
		}
		if d[i] == nil {
			var err error
			if d[i], err = detect.New(detect.WithRotationSweep(sweep)); err != nil {
				t.Fatal(err)
			}
		}
		return d[i]
	}
}()

// feature detects the largest face in the photo and extracts it.
func feature(t testing.TB, e *Embedder, path string) (Feature, bool) {
	t.Helper()
	img := loadJPEG(t, path)
	// Copies rotated without EXIF need the rotation sweep.
	faces, err := testDet(t, strings.Contains(path, "rotated_no_exif")).Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(faces) == 0 {
		return Feature{}, false
	}
	best := faces[0]
	for _, f := range faces[1:] {
		if f.Box.Area() > best.Box.Area() {
			best = f
		}
	}
	f, err := e.Extract(img, best)
	if err != nil {
		t.Fatal(err)
	}
	return f, true
}

// TestEasySlice: on the deepface photos (full photos of celebrities), and
// the EXIF-oriented and rotated copies of some of them, photos of one
// person are closer than the threshold and photos of different people
// farther, in both modes.
func TestEasySlice(t *testing.T) {
	dir := devdata.Dir(t)
	fast, err := New(WithMode(Fast))
	if err != nil {
		t.Fatal(err)
	}
	var picked []labelled
	perID := map[string]int{}
	maxPer := 3
	if devdata.Slow() {
		maxPer = 1
	}
	for _, l := range labels(t, dir) {
		if strings.HasPrefix(l.file, "hard/") || (strings.HasPrefix(l.file, "identity/deepface/") && perID[l.id] < maxPer && !strings.HasSuffix(l.file, "img47.jpg")) {
			if devdata.Slow() && strings.HasPrefix(l.file, "hard/") && len(picked)%3 != 0 {
				continue
			}
			picked = append(picked, l)
			if !strings.HasPrefix(l.file, "hard/") {
				perID[l.id]++
			}
		}
	}
	type pf struct {
		labelled
		acc, fast Feature
	}
	var feats []pf
	for _, l := range picked {
		a, ok := feature(t, testEmbedder(t), filepath.Join(dir, l.file))
		if !ok {
			t.Errorf("%s: no face", l.file)
			continue
		}
		f, _ := feature(t, fast, filepath.Join(dir, l.file))
		if a.Model != TagFused || len(a.Vector) != DimFused || f.Model != TagDlib || len(f.Vector) != DimDlib {
			t.Fatalf("features %s/%d and %s/%d", a.Model, len(a.Vector), f.Model, len(f.Vector))
		}
		if a.Quality < 0 || a.Quality > 1 {
			t.Errorf("%s: quality %v", l.file, a.Quality)
		}
		feats = append(feats, pf{l, a, f})
	}
	// Copies of one photo (EXIF-oriented, rotated) must match their
	// original; across the sample, at least 95% of genuine pairs must fall
	// below the threshold and 99% of impostor pairs above it.
	var gen, imp, genOK, impOK int
	for i, a := range feats {
		for _, b := range feats[i+1:] {
			same := a.id == b.id
			copyPair := same && (strings.HasPrefix(a.file, "hard/") != strings.HasPrefix(b.file, "hard/")) && sameSource(a.file, b.file)
			for _, m := range []struct {
				x, y Feature
				thr  float32
			}{{a.acc, b.acc, ThresholdFused}, {a.fast, b.fast, ThresholdDlib}} {
				d, err := m.x.Distance(m.y)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case copyPair && d >= m.thr:
					t.Errorf("%s: copy %s of %s at distance %.3f (threshold %.3f)", m.x.Model, b.file, a.file, d, m.thr)
				case same:
					gen++
					if d < m.thr {
						genOK++
					} else {
						t.Logf("%s: genuine %s vs %s at %.3f", m.x.Model, a.file, b.file, d)
					}
				default:
					imp++
					if d >= m.thr {
						impOK++
					} else {
						t.Logf("%s: impostor %s vs %s at %.3f", m.x.Model, a.file, b.file, d)
					}
				}
			}
		}
	}
	if float64(genOK) < 0.95*float64(gen) || float64(impOK) < 0.99*float64(imp) {
		t.Errorf("genuine below threshold %d/%d, impostors above %d/%d", genOK, gen, impOK, imp)
	}
	t.Logf("%d photos; genuine below threshold %d/%d, impostors above %d/%d (both modes)", len(feats), genOK, gen, impOK, imp)
}

// sameSource reports whether a hard/ copy (Name_imgN_...) was made from
// the deepface photo identity/deepface/Name/imgN.jpg, in either order.
func sameSource(a, b string) bool {
	if strings.HasPrefix(a, "hard/") {
		a, b = b, a
	}
	base := strings.TrimSuffix(filepath.Base(a), ".jpg")
	return strings.Contains(filepath.Base(b), "_"+base+"_")
}
