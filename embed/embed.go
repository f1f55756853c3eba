// Package embed turns detected faces into identity features: vectors whose
// cosine distance is small for two photos of one person and large for two
// people.
//
// Two networks are used (see MODELS.md in the project's shared notes):
//
//   - dlib's ResNet face recogniser (128-d) reads a 150x150 chip aligned by
//     the least-squares similarity transform that maps four detector
//     keypoints (eyes, nose tip, mouth) onto dlib's chip template, zoomed
//     in by 1/0.88 (see dlibZoom);
//   - HSE's faceres (MobileNet trained on VGGFace2, 1024-d) reads a 224x224
//     crop of the detector box enlarged by 30% and turned upright by the
//     eye line's angle.
//
// In mode Accurate (the default) each network's output is L2-normalised and
// the two are concatenated and scaled by 1/sqrt(2): a 1152-d unit vector
// whose cosine similarity is the mean of the two networks' similarities.
// Mode Fast runs dlib alone (128-d unit vector), about a third of the cost.
//
// A Feature carries its model tag (TagFused or TagDlib): vectors with
// different tags live in different spaces and must never be compared;
// Distance refuses to.
package embed

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/kernels"
	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

// Mode selects the networks.
type Mode uint8

const (
	// Accurate fuses dlib ResNet and faceres (1152-d, tag TagFused).
	Accurate Mode = iota
	// Fast runs dlib ResNet alone (128-d, tag TagDlib).
	Fast
)

func (m Mode) String() string {
	switch m {
	case Accurate:
		return "accurate"
	case Fast:
		return "fast"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Model tags. A tag names the networks, their preprocessing and the way
// they are combined: any change that moves the vectors gets a new tag.
// The v2 features (dlib chip zoomed in by 1/0.88, faceres crop 1.3 times
// the box instead of 1.2) replaced v1.
const (
	TagFused = "fused-v2"
	TagDlib  = "dlib-v2"
)

// Feature dimensions.
const (
	DimDlib    = 128
	DimFaceRes = 1024
	DimFused   = DimDlib + DimFaceRes
)

// Thresholds on the cosine distance (1 - cosine similarity) below which two
// features are taken to show one person, set between the genuine and
// impostor distances of the dev photos' deepface slice (full photos of
// Western celebrities; bench/eval). Tight East-Asian crops need a looser
// threshold (bench/eval reports the best one per slice).
const (
	ThresholdFused = 0.22
	ThresholdDlib  = 0.07
)

// Threshold returns the same-person distance threshold for features with
// tag, and false for an unknown tag.
func Threshold(tag string) (float32, bool) {
	switch tag {
	case TagFused:
		return ThresholdFused, true
	case TagDlib:
		return ThresholdDlib, true
	}
	return 0, false
}

var (
	// ErrInvalidFace is wrapped by errors about a face's geometry.
	ErrInvalidFace = errors.New("embed: invalid face")
	// ErrModelMismatch is returned when features of different tags are
	// compared.
	ErrModelMismatch = errors.New("embed: features of different models")
)

// Feature is one face's identity feature.
type Feature struct {
	// Model is the tag of the networks that made Vector (TagFused or
	// TagDlib). Vectors of different tags must never be compared.
	Model string
	// Vector is a unit vector (L2 norm 1).
	Vector []float32
	// Quality in [0, 1] rates how much the feature can be trusted: see
	// Quality.
	Quality float32
}

// Distance returns the cosine distance 1 - <f, g> of two features, in
// [0, 2], or ErrModelMismatch if their tags or lengths differ.
func (f Feature) Distance(g Feature) (float32, error) {
	if f.Model != g.Model || len(f.Vector) != len(g.Vector) {
		return 0, fmt.Errorf("%w: %q (%d) and %q (%d)", ErrModelMismatch, f.Model, len(f.Vector), g.Model, len(g.Vector))
	}
	var s float64
	for i, v := range f.Vector {
		s += float64(v) * float64(g.Vector[i])
	}
	return float32(1 - s), nil
}

// Option configures an Embedder.
type Option func(*config) error

type config struct {
	mode Mode
	flip bool
}

// WithMode selects Accurate (default) or Fast.
func WithMode(m Mode) Option {
	return func(c *config) error {
		if m > Fast {
			return fmt.Errorf("embed: unknown mode %d", m)
		}
		c.mode = m
		return nil
	}
}

// WithFlip averages each network's output on the chip and on its mirror
// image before normalising (default off: it doubles the cost; see the
// package's measurements in bench/eval for what it buys).
func WithFlip(on bool) Option {
	return func(c *config) error { c.flip = on; return nil }
}

// Embedder extracts features. It is safe for concurrent use: each call
// takes its buffers and network sessions from a pool.
type Embedder struct {
	cfg            config
	dlib, faceres  *nn.Executor
	dlibOut, frOut int
	pool           sync.Pool
}

type state struct {
	dlib, faceres *nn.Session
	chip          []float32 // dlib chip, 150x150x3
	crop          []float32 // faceres crop, 224x224x3
	acc           []float64
	pad           []byte // padded image (see padEdges)
}

// Chip geometry.
const (
	DlibChip    = 150
	FaceResCrop = 224
)

// New returns an Embedder with the embedded networks.
func New(opts ...Option) (*Embedder, error) {
	e := &Embedder{}
	for _, o := range opts {
		if err := o(&e.cfg); err != nil {
			return nil, err
		}
	}
	m, err := models.DlibResNet()
	if err != nil {
		return nil, err
	}
	if e.dlib, err = nn.NewExecutor(m); err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	if e.dlibOut, err = outputIndex(m, "descriptor", DimDlib); err != nil {
		return nil, err
	}
	if e.cfg.mode == Accurate {
		m, err := models.FaceRes()
		if err != nil {
			return nil, err
		}
		if e.faceres, err = nn.NewExecutor(m); err != nil {
			return nil, fmt.Errorf("embed: %w", err)
		}
		if e.frOut, err = outputIndex(m, "feature", DimFaceRes); err != nil {
			return nil, err
		}
	}
	e.pool.New = func() any {
		s := &state{dlib: e.dlib.NewSession(), chip: make([]float32, DlibChip*DlibChip*3), acc: make([]float64, DimFaceRes)}
		if e.faceres != nil {
			s.faceres = e.faceres.NewSession()
			s.crop = make([]float32, FaceResCrop*FaceResCrop*3)
		}
		return s
	}
	return e, nil
}

func outputIndex(m *nn.Model, name string, dim int) (int, error) {
	for i, n := range m.OutputNames {
		if n == name {
			if got := m.Values[m.Outputs[i]].Elems(); got != dim {
				return 0, fmt.Errorf("embed: model %s output %q has %d values, want %d", m.Name, name, got, dim)
			}
			return i, nil
		}
	}
	return 0, fmt.Errorf("embed: model %s has no output %q", m.Name, name)
}

// Mode returns the embedder's mode.
func (e *Embedder) Mode() Mode { return e.cfg.mode }

// Tag returns the model tag of the features e extracts.
func (e *Embedder) Tag() string {
	if e.cfg.mode == Fast {
		return TagDlib
	}
	return TagFused
}

// Dim returns the length of the features e extracts.
func (e *Embedder) Dim() int {
	if e.cfg.mode == Fast {
		return DimDlib
	}
	return DimFused
}

// Extract returns the feature of face, a face detect found in img. An
// invalid image (wrapping detect.ErrInvalidImage) or face geometry
// (wrapping ErrInvalidFace) is an error returned before any allocation.
func (e *Embedder) Extract(img detect.Image, face detect.Face) (Feature, error) {
	if err := img.Validate(); err != nil {
		return Feature{}, err
	}
	if err := checkFace(face); err != nil {
		return Feature{}, err
	}
	st := e.pool.Get().(*state)
	defer e.pool.Put(st)
	src := img.RGB()

	vec := make([]float32, e.Dim())
	m := alignDlib(face.Keypoints)
	fm, samples := faceresCrop(face)
	// Small photos (tight crops) whose chips reach past the edges are
	// padded by replicating the edges: black borders in the chips cost
	// accuracy.
	if img.Width*img.Height <= maxPadPixels {
		p := reach(m, DlibChip, img.Width, img.Height)
		if e.cfg.mode == Accurate {
			p = max(p, reach(fm, FaceResCrop, img.Width, img.Height))
		}
		if p > 2 {
			p = min(p, 2*max(img.Width, img.Height))
			var padded detect.Image
			padded, st.pad = padEdges(img, p, st.pad)
			src = padded.RGB()
			m[2] += float64(p)
			m[5] += float64(p)
			fm[2] += float64(p)
			fm[5] += float64(p)
		}
	}
	if err := e.run(st.dlib, st.chip, DlibChip, src, m, 0, dlibNorm, e.dlibOut, vec[:DimDlib], st.acc); err != nil {
		return Feature{}, err
	}
	blur := laplacianVariance(st.chip, DlibChip)
	if e.cfg.mode == Accurate {
		if err := e.run(st.faceres, st.crop, FaceResCrop, src, fm, samples, faceresNorm, e.frOut, vec[DimDlib:], st.acc); err != nil {
			return Feature{}, err
		}
		for i := range vec {
			vec[i] *= math.Sqrt2 / 2
		}
	}
	return Feature{Model: e.Tag(), Vector: vec, Quality: Quality(face, blur)}, nil
}

// run warps src through m into buf (size x size), runs the network and
// writes its L2-normalised output to out; with flip on, the output is
// averaged with the mirrored chip's before normalising.
func (e *Embedder) run(s *nn.Session, buf []float32, size int, src kernels.RGB, m [6]float64, samples int, norm kernels.PixelNorm, outIdx int, out []float32, acc []float64) error {
	acc = acc[:len(out)]
	clear(acc)
	views := 1
	if e.cfg.flip {
		views = 2
	}
	for v := range views {
		mm := m
		if v == 1 { // mirror: column u reads column size-1-u
			mm = [6]float64{-m[0], m[1], m[2] + m[0]*float64(size-1), -m[3], m[4], m[5] + m[3]*float64(size-1)}
		}
		kernels.WarpAffine(buf, size, size, src, mm, samples, norm)
		outs, err := s.Run(buf)
		if err != nil {
			return fmt.Errorf("embed: %w", err)
		}
		for i, x := range outs[outIdx][:len(out)] {
			acc[i] += float64(x)
		}
	}
	var n float64
	for _, x := range acc {
		n += x * x
	}
	n = math.Sqrt(n)
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return fmt.Errorf("embed: network output has norm %v", n)
	}
	for i, x := range acc {
		out[i] = float32(x / n)
	}
	return nil
}

// checkFace validates the geometry Extract relies on.
func checkFace(f detect.Face) error {
	fin := func(v float32) bool {
		return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) && math.Abs(float64(v)) <= 4*detect.MaxSide
	}
	b := f.Box
	if !fin(b.X) || !fin(b.Y) || !fin(b.W) || !fin(b.H) || !(b.W > 0) || !(b.H > 0) {
		return fmt.Errorf("%w: box %+v", ErrInvalidFace, b)
	}
	for i, p := range f.Keypoints {
		if !fin(p.X) || !fin(p.Y) {
			return fmt.Errorf("%w: keypoint %d at %+v", ErrInvalidFace, i, p)
		}
	}
	e0, e1 := f.Keypoints[detect.RightEye], f.Keypoints[detect.LeftEye]
	if e0 == e1 {
		return fmt.Errorf("%w: both eyes at %+v", ErrInvalidFace, e0)
	}
	return nil
}
