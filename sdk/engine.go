package sdk

import (
	"context"
	"crypto/rand"
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/facecluster/facecluster/kernels"
)

// Version is the SDK's version, reported by Engine.Info.
const Version = "0.1.0-dev"

// Box is a face's bounding box in image pixels: the top-left corner (X, Y)
// and the size (W, H).
type Box struct{ X, Y, W, H float32 }

// Point is a position in image pixels.
type Point struct{ X, Y float32 }

// Pose holds a face's head angles in degrees: Roll from the eye line (exact),
// Yaw (positive: the face turns to the image's right) and Pitch estimated from
// the landmarks.
type Pose struct{ Yaw, Pitch, Roll float32 }

// Face is a face found in an image.
type Face struct {
	// ID is random (crypto/rand, UUID text), never derived from the image.
	ID string
	// Box bounds the face.
	Box Box
	// Landmarks are the detector's keypoints (BlazeFace: right eye, left
	// eye, nose tip, mouth, right ear, left ear).
	Landmarks []Point
	// Score is the detector's confidence in [0, 1].
	Score float32
	// Pose is the head's orientation.
	Pose Pose
}

// Feature describes a face for clustering.
type Feature struct {
	// FaceID is the ID of the face described.
	FaceID string
	// Model tags the model that computed Vector (such as "accurate"):
	// vectors of different tags are never compared.
	Model string
	// Vector is the feature vector (unit length from the SDK's embedder;
	// other vectors are normalised for comparison).
	Vector []float32
	// Quality is in [0, 1]: how far the vector can be trusted (face size,
	// sharpness, pose, detector score).
	Quality float32
}

// faceDetector finds faces; featureExtractor describes one. New wraps the
// detect and embed packages into these (adapters.go); tests fake them.
type faceDetector interface {
	detect(ctx context.Context, img Image) ([]Face, error)
}

type featureExtractor interface {
	extract(ctx context.Context, img Image, f Face) (Feature, error)
}

// Engine finds faces in images and describes them. It is safe for concurrent
// use: one Engine serves every goroutine of a process (each call takes its
// working memory from a pool), and an album's Add calls may overlap.
type Engine struct {
	det  faceDetector
	ext  featureExtractor
	opts *settings
	info Info
}

// Info describes an Engine's build and runtime.
type Info struct {
	// Version is the SDK version (see Version).
	Version string
	// ISA is the instruction-set level the compute kernels run at:
	// "avx512", "avx2", "neon" or "generic".
	ISA string
	// Mode is the feature extractor's mode ("accurate" or "fast") and
	// Feature the model tag of its features (FeatureAccurate or
	// FeatureFast).
	Mode, Feature string
	// Models lists the networks loaded, each verified against its recorded
	// SHA-256 before it was decoded.
	Models []ModelInfo
}

// ModelInfo describes one loaded network.
type ModelInfo struct {
	// Name is the network ("blazeface", "dlib-resnet", "faceres") and File
	// its embedded file.
	Name, File string
	// SHA256 is the hex SHA-256 of the file, checked at load.
	SHA256 string
	// Source names where the weights come from, with the package version
	// they were converted from (such as "@vladmandic/human@3.3.6 ...").
	Source string
}

// New returns an Engine: it loads the embedded detector and feature
// networks, each checked against its recorded SHA-256 (a mismatch is an
// error wrapping ErrNoEngine), for the mode WithMode selects (ModeAccurate
// by default), with the detector options given (WithMinFaceSize,
// WithScoreThreshold, WithRotationSweep, WithMaxFaces). It fails with
// ErrNoConsent unless WithConsent(true) is given, and with ErrInvalidOption
// for bad options or album-only ones. Loading takes about 0.2 s and some
// 30 MB; build one Engine per process and share it.
func New(opts ...Option) (*Engine, error) {
	s, err := newSettings(opts)
	if err != nil {
		return nil, fmt.Errorf("sdk.New: %w", err)
	}
	if len(s.albumOnly) > 0 {
		return nil, fmt.Errorf("sdk.New: %w: %s applies to albums only", ErrInvalidOption, s.albumOnly[0])
	}
	if !s.consent {
		return nil, fmt.Errorf("sdk.New: %w: pass WithConsent(true) once the user has agreed", ErrNoConsent)
	}
	e := &Engine{det: s.det, ext: s.ext, opts: s}
	e.info = Info{Version: Version, ISA: kernels.ISA().String(), Mode: s.mode.String()}
	if e.det == nil && e.ext == nil {
		d, x, models, err := loadNetworks(s)
		if err != nil {
			return nil, fmt.Errorf("sdk.New: %w: %w", ErrNoEngine, err)
		}
		e.det, e.ext = d, x
		e.info.Feature = x.e.Tag()
		e.info.Models = models
	}
	return e, nil
}

// Info reports the engine's version, ISA level, mode and models.
func (e *Engine) Info() Info {
	if e == nil {
		return Info{Version: Version, ISA: kernels.ISA().String()}
	}
	out := e.info
	out.Models = slices.Clone(out.Models)
	return out
}

// DetectFaceShape finds the faces in img: box, landmarks, score, pose and a
// fresh random ID each.
func (e *Engine) DetectFaceShape(img Image) ([]Face, error) {
	return e.detectCtx(context.Background(), img)
}

// ExtractClusterFeature describes face f of img for clustering.
func (e *Engine) ExtractClusterFeature(img Image, f Face) (Feature, error) {
	return e.extractCtx(context.Background(), img, f)
}

func (e *Engine) detectCtx(ctx context.Context, img Image) (faces []Face, err error) {
	if e == nil || e.det == nil {
		return nil, fmt.Errorf("sdk: DetectFaceShape: %w: build the Engine with New", ErrNoEngine)
	}
	if err := img.Validate(); err != nil {
		return nil, fmt.Errorf("sdk: DetectFaceShape: %w", err)
	}
	defer recoverTo(&err, "DetectFaceShape", ErrInvalidImage)
	faces, err = e.det.detect(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("sdk: DetectFaceShape: %w", err)
	}
	for i := range faces {
		if faces[i].ID, err = newID(); err != nil {
			return nil, fmt.Errorf("sdk: DetectFaceShape: %w", err)
		}
	}
	return faces, nil
}

func (e *Engine) extractCtx(ctx context.Context, img Image, f Face) (feat Feature, err error) {
	if e == nil || e.ext == nil {
		return Feature{}, fmt.Errorf("sdk: ExtractClusterFeature: %w: build the Engine with New", ErrNoEngine)
	}
	if err := img.Validate(); err != nil {
		return Feature{}, fmt.Errorf("sdk: ExtractClusterFeature: %w", err)
	}
	defer recoverTo(&err, "ExtractClusterFeature", ErrInvalidArgument)
	feat, err = e.ext.extract(ctx, img, f)
	if err != nil {
		return Feature{}, fmt.Errorf("sdk: ExtractClusterFeature: %w", err)
	}
	feat.FaceID = f.ID
	return feat, nil
}

// recoverTo turns a panic below an exported call into an error wrapping
// sentinel (the SDK never panics on input), and makes a fault on a bad
// memory address (such as a damaged memory-mapped file) such a panic.
func recoverTo(err *error, call string, sentinel error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("sdk: %s: %w: %v", call, sentinel, r)
	}
}

// guard runs f with faults turned into panics and panics into errors
// wrapping sentinel.
func guard(call string, sentinel error, f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverTo(&err, call, sentinel)
	return f()
}

// newID returns a random (version 4) UUID in its text form.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// validID reports whether s is a UUID in lower-case text form.
func validID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
