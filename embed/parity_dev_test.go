package embed

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/imageio"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/internal/tfjsref"
	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

// parityFaces is how many faces (the largest) of each photo the parity test
// embeds.
const parityFaces = 3

// TestParityDevPhotos compares dlib ResNet and faceres in our executor, at
// every ISA level, with the original models in TF.js WASM (gen/golden/
// golden.js run: face-api.js's FaceRecognitionNet and Human's faceres graph)
// on the very input tensors Extract feeds the networks for the faces Detect
// finds in tfjsref.DevPhotos (up to parityFaces per photo): the aligned
// 150x150 dlib chip and the 224x224 faceres crop, edge padding included.
// Each network's output must have cosine >= 0.9999 with TF.js's; Extract's
// own feature (the two normalised halves) is checked against TF.js too.
// Needs node and gen/golden's node_modules (skipped without them unless
// FACECLUSTER_REQUIRE_NODE=1); `make parity-dev` runs it.
func TestParityDevPhotos(t *testing.T) {
	dir := devdata.Dir(t)
	ref := tfjsref.New(t)
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	// Every Extract takes this one state from the pool, so after each call
	// its chip and crop hold the tensors the networks read.
	st := e.pool.New().(*state)
	e.pool.New = func() any { return st }
	var dets [2]*detect.Detector
	for i := range dets {
		if dets[i], err = detect.New(detect.WithRotationSweep(i == 1)); err != nil {
			t.Fatal(err)
		}
	}

	tmp := t.TempDir()
	type face struct {
		name        string
		chip, crop  []float32
		dlib, fres  []float32 // Extract's normalised halves
		tfDlib, tfF []float32 // TF.js
	}
	var faces []face
	photos := 0
	for _, p := range tfjsref.DevPhotos {
		decoded, _, err := imageio.DecodeFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		img := detect.Image(decoded)
		det := dets[0]
		if strings.Contains(p, "rotated_no_exif") {
			det = dets[1]
		}
		found, err := det.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortStableFunc(found, func(a, b detect.Face) int { return cmp.Compare(b.Box.Area(), a.Box.Area()) })
		if len(found) > 0 {
			photos++
		}
		for j, f := range found[:min(len(found), parityFaces)] {
			feat, err := e.Extract(img, f)
			if err != nil {
				t.Fatalf("%s face %d: %v", p, j, err)
			}
			k := len(faces)
			faces = append(faces, face{
				name: fmt.Sprintf("%s face %d", p, j),
				chip: slices.Clone(st.chip), crop: slices.Clone(st.crop),
				dlib: feat.Vector[:DimDlib], fres: feat.Vector[DimDlib:],
			})
			if err := tfjsref.WriteNpy(filepath.Join(tmp, fmt.Sprintf("dlib-%03d.input.npy", k)), []int{1, DlibChip, DlibChip, 3}, st.chip); err != nil {
				t.Fatal(err)
			}
			if err := tfjsref.WriteNpy(filepath.Join(tmp, fmt.Sprintf("faceres-%03d.input.npy", k)), []int{1, FaceResCrop, FaceResCrop, 3}, st.crop); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The photos without a face found would test nothing.
	if len(faces) < len(tfjsref.DevPhotos)-2 {
		t.Fatalf("only %d faces in %d of %d photos", len(faces), photos, len(tfjsref.DevPhotos))
	}
	ref.Run(t, tmp)
	for k := range faces {
		f := &faces[k]
		var err error
		if _, f.tfDlib, err = tfjsref.ReadNpy(filepath.Join(tmp, fmt.Sprintf("dlib-%03d.descriptor.npy", k))); err != nil {
			t.Fatal(err)
		}
		if _, f.tfF, err = tfjsref.ReadNpy(filepath.Join(tmp, fmt.Sprintf("faceres-%03d.feature.npy", k))); err != nil {
			t.Fatal(err)
		}
	}

	// Extract's features, made at the default level.
	worstDlib, worstF := 1.0, 1.0
	for _, f := range faces {
		cd, cf := tfjsref.Compare(f.dlib, f.tfDlib).Cosine, tfjsref.Compare(f.fres, f.tfF).Cosine
		if !(cd >= 0.9999) || !(cf >= 0.9999) {
			t.Errorf("%s: Extract's feature vs TF.js: cosine dlib %.6f, faceres %.6f, want >= 0.9999", f.name, cd, cf)
		}
		worstDlib, worstF = min(worstDlib, cd), min(worstF, cf)
	}
	t.Logf("Extract (level %v), %d faces in %d photos: worst cosine with TF.js dlib 1-%.2g, faceres 1-%.2g", asm.ISA(), len(faces), photos, 1-worstDlib, 1-worstF)

	nets := []struct {
		name, output string
		load         func() (*nn.Model, error)
		in, want     func(f *face) []float32
	}{
		{"dlib", "descriptor", models.DlibResNet, func(f *face) []float32 { return f.chip }, func(f *face) []float32 { return f.tfDlib }},
		{"faceres", "feature", models.FaceRes, func(f *face) []float32 { return f.crop }, func(f *face) []float32 { return f.tfF }},
	}
	isatest.ForEach(t, func(t *testing.T) {
		for _, n := range nets {
			m, err := n.load()
			if err != nil {
				t.Fatal(err)
			}
			e, err := nn.NewExecutor(m)
			if err != nil {
				t.Fatal(err)
			}
			out := slices.Index(m.OutputNames, n.output)
			if out < 0 {
				t.Fatalf("%s has no output %q", m.Name, n.output)
			}
			s := e.NewSession()
			worst, worstRel := tfjsref.Stats{Cosine: 1}, 0.0
			var worstAt string
			for k := range faces {
				f := &faces[k]
				outs, err := s.Run(n.in(f))
				if err != nil {
					t.Fatal(err)
				}
				c := tfjsref.Compare(outs[out], n.want(f))
				if !(c.Cosine >= 0.9999) {
					t.Errorf("%s %s: cosine with TF.js %.6f < 0.9999 (max abs error %.3g, max |TF.js| %.4g)", n.name, f.name, c.Cosine, c.MaxAbs, c.MaxMag)
				}
				if !(c.Cosine >= worst.Cosine) {
					worst, worstAt = c, f.name
				}
				worstRel = max(worstRel, c.Rel())
			}
			t.Logf("%s at %v, %d faces in %d photos: worst cosine 1-%.2g (%s); worst max abs error / max |TF.js| %.3g",
				n.name, asm.ISA(), len(faces), photos, 1-worst.Cosine, worstAt, worstRel)
		}
	})
}
