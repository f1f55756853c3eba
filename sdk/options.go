package sdk

import (
	"fmt"
	"math"
	"time"

	"github.com/facecluster/facecluster/detect"
)

// An Option configures New or OpenAlbum. Options validate their values: a bad
// value, or an option given to a constructor it does not apply to, makes the
// constructor fail with an error wrapping ErrInvalidOption.
type Option func(*settings) error

// settings is what the options fill in.
type settings struct {
	consent      bool
	engine       *Engine
	threshold    float32
	thresholdSet bool // WithThreshold given: it overrides the per-model default
	minQuality   float32
	refineEvery  int // -1: adaptive (the default); 0: never; n: every n faces
	workers      int
	lockTimeout  time.Duration

	albumOnly  []string // names of album options given
	engineOnly []string // names of engine options given

	// Engine settings (see engine_options.go).
	mode       Mode
	detectOpts []detect.Option

	// Test hooks, set only by this package's tests.
	det        faceDetector
	ext        featureExtractor
	noCompact  bool // Forget skips the wipe (to show the privacy test bites)
	exactLimit int
}

// Default clustering settings; see WithThreshold and Threshold.
const (
	// DefaultThreshold is the average-linkage cosine distance up to which
	// faces are taken for one person when no WithThreshold is given and
	// the album's features come from a host's own embedder (a model tag
	// the SDK does not know). Albums of the SDK's own features use the
	// threshold of their mode instead: see Threshold.
	DefaultThreshold = 0.4
	defaultLockWait  = 2 * time.Second
	defaultExact     = 8192
)

func newSettings(opts []Option) (*settings, error) {
	s := &settings{
		threshold:   DefaultThreshold,
		refineEvery: -1,
		lockTimeout: defaultLockWait,
		exactLimit:  defaultExact,
	}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: option %d is nil", ErrInvalidOption, i)
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// WithConsent records whether the user has agreed to have the faces in their
// photos detected, described and grouped. New and OpenAlbum fail with
// ErrNoConsent unless it is given as true.
func WithConsent(given bool) Option {
	return func(s *settings) error { s.consent = given; return nil }
}

// WithEngine gives an album the Engine that Album.Add runs to find faces and
// describe them. Without it, Add returns ErrNoEngine and the album is fed
// through AddFeatures. Album only.
func WithEngine(e *Engine) Option {
	return func(s *settings) error {
		if e == nil {
			return fmt.Errorf("%w: WithEngine(nil)", ErrInvalidOption)
		}
		s.engine = e
		s.albumOnly = append(s.albumOnly, "WithEngine")
		return nil
	}
}

// WithThreshold sets the cosine distance, in [0, 2], up to which faces are
// taken for one person (average linkage: the mean distance between the faces
// of two groups). It overrides the default, which depends on the album's
// features: Threshold(tag) for the SDK's own (ModeAccurate, ModeFast),
// DefaultThreshold for a host's. Album only.
func WithThreshold(t float32) Option {
	return func(s *settings) error {
		if !(t >= 0 && t <= 2) {
			return fmt.Errorf("%w: WithThreshold(%v) outside [0, 2]", ErrInvalidOption, t)
		}
		s.threshold = t
		s.thresholdSet = true
		s.albumOnly = append(s.albumOnly, "WithThreshold")
		return nil
	}
}

// WithMinQuality sets the feature quality, in [0, 1], below which a face
// does not take part in refining the clustering (it is attached to the
// nearest person afterwards, so poor faces never bridge two people). The
// default is 0: every face takes part. Album only.
func WithMinQuality(q float32) Option {
	return func(s *settings) error {
		if !(q >= 0 && q <= 1) {
			return fmt.Errorf("%w: WithMinQuality(%v) outside [0, 1]", ErrInvalidOption, q)
		}
		s.minQuality = q
		s.albumOnly = append(s.albumOnly, "WithMinQuality")
		return nil
	}
}

// WithRefineEvery makes the album re-run the clustering from scratch (see
// Album.Refine) after every n added faces; 0 turns automatic refinement
// off. The default refines after max(64, N/8) added faces, N the faces held,
// which keeps its cost (quadratic in N) a constant factor of the cost of
// adding. Album only.
func WithRefineEvery(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("%w: WithRefineEvery(%d) < 0", ErrInvalidOption, n)
		}
		s.refineEvery = n
		s.albumOnly = append(s.albumOnly, "WithRefineEvery")
		return nil
	}
}

// WithWorkers bounds the goroutines one call uses; 0 (the default) means
// GOMAXPROCS.
func WithWorkers(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("%w: WithWorkers(%d) < 0", ErrInvalidOption, n)
		}
		s.workers = n
		return nil
	}
}

// WithLockTimeout sets how long OpenAlbum waits for an album file that
// another Album or process holds open before failing with ErrLocked; the
// default is 2 s. Album only.
func WithLockTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 || d > time.Hour {
			return fmt.Errorf("%w: WithLockTimeout(%v) outside (0, 1h]", ErrInvalidOption, d)
		}
		s.lockTimeout = d
		s.albumOnly = append(s.albumOnly, "WithLockTimeout")
		return nil
	}
}

func finite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }
