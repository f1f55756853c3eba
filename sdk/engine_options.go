package sdk

import (
	"fmt"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/embed"
)

// Mode selects the feature extractor an Engine runs.
type Mode uint8

const (
	// ModeAccurate (the default) fuses two networks, dlib's ResNet and
	// HSE's faceres, into a 1152-d feature tagged FeatureAccurate.
	ModeAccurate Mode = iota
	// ModeFast runs dlib's ResNet alone: a 128-d feature tagged
	// FeatureFast, about a third of the extraction cost, less accurate
	// (markedly so on East-Asian faces).
	ModeFast
)

func (m Mode) String() string {
	switch m {
	case ModeAccurate:
		return "accurate"
	case ModeFast:
		return "fast"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Model tags of the features an Engine extracts (Feature.Model). Features of
// different tags are never compared: an album holds one tag.
const (
	FeatureAccurate = embed.TagFused
	FeatureFast     = embed.TagDlib
)

// Album clustering thresholds (average-linkage cosine distance) for the
// SDK's own features, used unless WithThreshold is given; see Threshold.
const (
	ThresholdAccurate = 0.24
	ThresholdFast     = 0.08
)

// Threshold returns the average-linkage cosine distance up to which an
// album takes faces whose features carry model tag tag for one person, and
// false for a tag the SDK does not know (an album of a host's own features
// then uses DefaultThreshold, or WithThreshold's value).
//
// They start from the embed package's thresholds (embed.ThresholdFused
// 0.22, embed.ThresholdDlib 0.07), which separate single pairs of faces:
// they sit where the genuine and impostor pair distances of the dev photos'
// deepface slice cross. An album compares groups by the mean distance
// between their faces (average linkage), which varies less than a single
// pair's, so the group threshold can sit a little higher. Clustering every
// labelled photo of three slices of the dev photos (cluster.Exact, as
// Album.Refine runs it; each photo counted by its largest face) over a
// sweep of thresholds gave these BCubed F scores:
//
//	accurate    0.20   0.22   0.24   0.26   0.28
//	deepface    1.000  1.000  1.000  1.000  0.963   (63 photos, 13 people)
//	faceapi     0.844  0.913  0.936  1.000  1.000   (40 grayscale crops, 8)
//	rmfd        0.517  0.630  0.720  0.695  0.489   (591 East-Asian crops, 49)
//
//	fast        0.06   0.07   0.08   0.09   0.10
//	deepface    0.987  1.000  1.000  0.975  0.936
//	faceapi     0.925  0.947  0.980  1.000  1.000
//	rmfd        0.494  0.470  0.385  0.319  0.234
//
// ThresholdAccurate (0.24) sits in the middle of the plateau where the
// full photos are grouped perfectly and is the best for the East-Asian
// crops; ThresholdFast (0.08) likewise for the full photos. The fast mode's
// East-Asian scores show why ModeAccurate is the default.
func Threshold(tag string) (float32, bool) {
	switch tag {
	case FeatureAccurate:
		return ThresholdAccurate, true
	case FeatureFast:
		return ThresholdFast, true
	}
	return 0, false
}

// threshold returns the album's clustering threshold: WithThreshold's if
// given, else the one for the album's feature tag.
func (m *model) threshold() float32 {
	if m.opt.thresholdSet {
		return m.opt.threshold
	}
	if t, ok := Threshold(m.tag); ok {
		return t
	}
	return m.opt.threshold
}

// WithMode selects the Engine's feature extractor (default ModeAccurate).
// Engine only.
func WithMode(m Mode) Option {
	return func(s *settings) error {
		if m > ModeFast {
			return fmt.Errorf("%w: WithMode(%d): unknown mode", ErrInvalidOption, m)
		}
		s.mode = m
		s.engineOnly = append(s.engineOnly, "WithMode")
		return nil
	}
}

// WithMinFaceSize makes the Engine ignore faces whose box is narrower than
// px pixels, in [0, MaxImageSide] (default 0: keep every face the detector
// finds). Engine only.
func WithMinFaceSize(px float32) Option {
	ok := px >= 0 && px <= MaxImageSide
	return detectOption("WithMinFaceSize", px, ok, detect.WithMinFaceSize(px))
}

// WithScoreThreshold sets the detector's minimum score of a face, in (0, 1)
// (default 0.5). Engine only.
func WithScoreThreshold(t float32) Option {
	return detectOption("WithScoreThreshold", t, t > 0 && t < 1, detect.WithScoreThreshold(t))
}

// WithRotationSweep makes the Engine also look for faces in the photo
// turned by 90, 180 and 270 degrees (default off: it costs three more
// detector passes). Use it for photos whose orientation is unknown (no
// EXIF, scanned prints). Engine only.
func WithRotationSweep(on bool) Option {
	return detectOption("WithRotationSweep", on, true, detect.WithRotationSweep(on))
}

// WithMaxFaces caps the faces found in one photo, highest scores first, in
// [0, MaxFacesPerPhoto] (default 0: no cap below MaxFacesPerPhoto). Engine
// only.
func WithMaxFaces(n int) Option {
	if n == 0 {
		n = MaxFacesPerPhoto
	}
	return detectOption("WithMaxFaces", n, n >= 0 && n <= MaxFacesPerPhoto, detect.WithMaxFaces(n))
}

// detectOption records a detector option whose value ok says is valid.
func detectOption(name string, v any, ok bool, o detect.Option) Option {
	return func(s *settings) error {
		if !ok {
			return fmt.Errorf("%w: %s(%v) out of range", ErrInvalidOption, name, v)
		}
		s.detectOpts = append(s.detectOpts, o)
		s.engineOnly = append(s.engineOnly, name)
		return nil
	}
}
