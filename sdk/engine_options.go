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
	ThresholdAccurate = 0.246
	ThresholdFast     = 0.0630
)

// Thresholds of the v1 features ("fused-v1", "dlib-v1": the dlib chip on
// dlib's own template, the faceres crop 1.2 times the box), which albums
// made before the v2 features hold: they keep clustering as they did.
const (
	thresholdAccurateV1 = 0.246
	thresholdFastV1     = 0.0665
)

// Threshold returns the average-linkage cosine distance up to which an
// album takes faces whose features carry model tag tag for one person, and
// false for a tag the SDK does not know (an album of a host's own features
// then uses DefaultThreshold, or WithThreshold's value).
//
// They were chosen on the dev photos (bench/eval prints the sweep and the
// rule's pick): every labelled photo (each counted by its largest face) was
// clustered with cluster.Exact, as Album.Refine runs it, outside the
// East-Asian crops of identity/rmfd (580 faces, 73 people) and inside them
// (590 faces, 49 people) separately, over a sweep of thresholds; the rule
// takes the threshold maximising the mean of the two slices' BCubed F (the
// East-Asian slice weighing as much as all the others), averaged with its
// two neighbours in the sweep so that a threshold at the edge of a cliff
// loses to one on a plateau. BCubed F of the v2 features (with the
// detector's score-weighted refine keypoints):
//
//	accurate   0.228  0.234  0.240  0.246  0.252  0.258  0.264
//	outside    0.992  0.993  0.995  0.997  0.997  0.996  0.987
//	rmfd       0.678  0.697  0.718  0.729  0.731  0.699  0.697
//
//	fast       0.0578 0.0595 0.0613 0.0630 0.0648 0.0665 0.0683
//	outside    0.980  0.984  0.985  0.987  0.989  0.990  0.990
//	rmfd       0.507  0.515  0.530  0.538  0.534  0.519  0.525
//
// On identity/rmfd BCubed F moves by 0.02-0.05 between neighbouring steps:
// read its third decimal as noise. The same rule picks the distance of
// Chinese Whispers and of DBSCAN (at least 3 faces), which then score,
// outside rmfd and in it: accurate 0.986 and 0.648, 0.980 and 0.589; fast
// 0.965 and 0.548, 0.953 and 0.491. The fast mode's East-Asian scores show
// why ModeAccurate is the default.
func Threshold(tag string) (float32, bool) {
	switch tag {
	case FeatureAccurate:
		return ThresholdAccurate, true
	case FeatureFast:
		return ThresholdFast, true
	case "fused-v1":
		return thresholdAccurateV1, true
	case "dlib-v1":
		return thresholdFastV1, true
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
