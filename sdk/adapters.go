package sdk

import (
	"context"
	"fmt"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/embed"
	"github.com/facecluster/facecluster/models"
)

// The SDK's Image has detect.Image's layout field for field, so the two
// convert into each other by a type conversion that shares Pix: no pixel is
// copied on the way to the networks. This line stops the build if they
// drift apart.
var _ = detect.Image(Image{})

// loadNetworks builds the detector and the embedder for s, and describes
// the networks they loaded.
func loadNetworks(s *settings) (*detAdapter, *extAdapter, []ModelInfo, error) {
	dopts := append([]detect.Option{detect.WithMaxFaces(MaxFacesPerPhoto)}, s.detectOpts...)
	d, err := detect.New(dopts...)
	if err != nil {
		return nil, nil, nil, err
	}
	mode := embed.Accurate
	if s.mode == ModeFast {
		mode = embed.Fast
	}
	x, err := embed.New(embed.WithMode(mode))
	if err != nil {
		return nil, nil, nil, err
	}
	files := []string{models.BlazeFaceBackFile, models.DlibResNetFile}
	sums := []string{models.BlazeFaceBackSHA256, models.DlibResNetSHA256}
	if mode == embed.Accurate {
		files = append(files, models.FaceResFile)
		sums = append(sums, models.FaceResSHA256)
	}
	infos := make([]ModelInfo, len(files))
	for i, f := range files {
		m, err := models.Load(f) // cached: the detector and embedder loaded it
		if err != nil {
			return nil, nil, nil, err
		}
		infos[i] = ModelInfo{Name: m.Name, File: f, SHA256: sums[i], Source: m.Metadata("source")}
	}
	return &detAdapter{d: d}, &extAdapter{e: x}, infos, nil
}

// detAdapter runs package detect for an Engine.
type detAdapter struct{ d *detect.Detector }

func (a *detAdapter) detect(ctx context.Context, img Image) ([]Face, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dfs, err := a.d.Detect(detect.Image(img))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidImage, err)
	}
	faces := make([]Face, len(dfs))
	for i, f := range dfs {
		faces[i] = fromDetect(f)
	}
	return faces, nil
}

func fromDetect(f detect.Face) Face {
	out := Face{
		Box:       Box{X: f.Box.X, Y: f.Box.Y, W: f.Box.W, H: f.Box.H},
		Landmarks: make([]Point, len(f.Keypoints)),
		Score:     f.Score,
		Pose:      Pose{Yaw: f.Pose.Yaw, Pitch: f.Pose.Pitch, Roll: f.Pose.Roll},
	}
	for i, p := range f.Keypoints {
		out.Landmarks[i] = Point{X: p.X, Y: p.Y}
	}
	return out
}

// toDetect is fromDetect's inverse. The embedder aligns faces by their
// landmarks, so a face without the detector's six is an error.
func toDetect(f Face) (detect.Face, error) {
	if len(f.Landmarks) != detect.NumKeypoints {
		return detect.Face{}, fmt.Errorf("%w: face has %d landmarks, want the detector's %d", ErrInvalidArgument, len(f.Landmarks), detect.NumKeypoints)
	}
	out := detect.Face{
		Box:   detect.Box{X: f.Box.X, Y: f.Box.Y, W: f.Box.W, H: f.Box.H},
		Score: f.Score,
		Pose:  detect.Pose{Roll: f.Pose.Roll, Yaw: f.Pose.Yaw, Pitch: f.Pose.Pitch},
	}
	for i, p := range f.Landmarks {
		out.Keypoints[i] = detect.Point{X: p.X, Y: p.Y}
	}
	return out, nil
}

// extAdapter runs package embed for an Engine.
type extAdapter struct{ e *embed.Embedder }

func (a *extAdapter) extract(ctx context.Context, img Image, f Face) (Feature, error) {
	if err := ctx.Err(); err != nil {
		return Feature{}, err
	}
	df, err := toDetect(f)
	if err != nil {
		return Feature{}, err
	}
	feat, err := a.e.Extract(detect.Image(img), df)
	if err != nil {
		return Feature{}, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	return Feature{Model: feat.Model, Vector: feat.Vector, Quality: feat.Quality}, nil
}
