package detect

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/internal/tfjsref"
	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

// TestParityDevPhotos compares BlazeFace-back in our executor, at every ISA
// level, with the original model in TF.js WASM (gen/golden/golden.js run)
// on the input tensor Detect's first pass builds for each of
// tfjsref.DevPhotos: the photo letterboxed into a centred square, resampled
// to 256x256, x/127.5 - 1. Every raw head must be within 1e-4 of TF.js
// relative to the head's largest magnitude. Needs node and gen/golden's
// node_modules (skipped without them unless FACECLUSTER_REQUIRE_NODE=1);
// `make parity-dev` runs it.
func TestParityDevPhotos(t *testing.T) {
	dir := devdata.Dir(t)
	ref := tfjsref.New(t)
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	st := d.pool.Get().(*state)
	defer d.pool.Put(st)
	ins := make([][]float32, len(tfjsref.DevPhotos))
	for i, p := range tfjsref.DevPhotos {
		img := loadImage(t, filepath.Join(dir, p))
		w, h := float64(img.Width), float64(img.Height)
		// Detect's first pass, as Detect builds it.
		if err := d.pass(st, img, view{a: squareView(w/2, h/2, max(w, h), InputSize, 0), minScore: d.cfg.score}); err != nil {
			t.Fatal(err)
		}
		ins[i] = slices.Clone(st.in)
		if err := tfjsref.WriteNpy(filepath.Join(tmp, fmt.Sprintf("blazeface-%02d.input.npy", i)), []int{1, InputSize, InputSize, 3}, ins[i]); err != nil {
			t.Fatal(err)
		}
	}
	ref.Run(t, tmp)
	heads := []string{"scores16", "boxes16", "scores8", "boxes8"}
	want := make([][][]float32, len(ins))
	for i := range ins {
		for _, name := range heads {
			_, x, err := tfjsref.ReadNpy(filepath.Join(tmp, fmt.Sprintf("blazeface-%02d.%s.npy", i, name)))
			if err != nil {
				t.Fatal(err)
			}
			want[i] = append(want[i], x)
		}
	}

	isatest.ForEach(t, func(t *testing.T) {
		m, err := models.BlazeFaceBack()
		if err != nil {
			t.Fatal(err)
		}
		e, err := nn.NewExecutor(m)
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int, len(heads))
		for k, name := range heads {
			if idx[k] = slices.Index(m.OutputNames, name); idx[k] < 0 {
				t.Fatalf("model has no output %q", name)
			}
		}
		s := e.NewSession()
		var worstRel float64
		var worstAt string
		var maxAbs [2]float64 // scores, boxes
		for i, in := range ins {
			outs, err := s.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			for k, name := range heads {
				c := tfjsref.Compare(outs[idx[k]], want[i][k])
				if !(c.MaxAbs <= 1e-4*c.MaxMag) {
					t.Errorf("%s %s: max abs error %.3g > 1e-4 x max |TF.js| %.4g", tfjsref.DevPhotos[i], name, c.MaxAbs, c.MaxMag)
				}
				if r := c.Rel(); !(r <= worstRel) {
					worstRel, worstAt = r, tfjsref.DevPhotos[i]+" "+name
				}
				maxAbs[k%2] = max(maxAbs[k%2], c.MaxAbs)
			}
		}
		t.Logf("blazeface at %v, %d photos: max abs error scores %.3g, boxes %.3g; worst max abs error / max |TF.js| %.3g (%s)",
			asm.ISA(), len(ins), maxAbs[0], maxAbs[1], worstRel, worstAt)
		if math.IsNaN(worstRel) {
			t.Error("NaN in the outputs")
		}
	})
}
