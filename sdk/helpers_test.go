package sdk

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var testKey = bytes.Repeat([]byte{7}, KeySize)

// testDim is the feature size of the tests' synthetic faces.
const testDim = 16

// personVec returns a unit feature near the direction of person p (one of
// testDim/2 well-separated people), jittered by seed.
func personVec(p int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(uint64(p), seed))
	v := make([]float32, testDim)
	v[p%testDim] = 1
	for i := range v {
		v[i] += float32(r.NormFloat64() * 0.05)
	}
	return unitRow(v)
}

// photoFaces returns n faces of the given people for a photo, with
// features derived from the photo ID (so a test can recompute them).
func photoFaces(photoID string, people ...int) []FaceFeature {
	h := fnv.New64a()
	h.Write([]byte(photoID))
	seed := h.Sum64()
	out := make([]FaceFeature, len(people))
	for i, p := range people {
		x := float32(10 + 100*i)
		out[i] = FaceFeature{
			Face: Face{
				Box:       Box{X: x, Y: 20, W: 64, H: 72},
				Landmarks: []Point{{x + 20, 40}, {x + 44, 40}, {x + 32, 55}, {x + 32, 70}, {x + 5, 45}, {x + 60, 45}},
				Score:     0.9, Pose: Pose{Yaw: float32(i), Pitch: -1, Roll: 2},
			},
			Feature: Feature{Model: "test", Vector: personVec(p, seed+uint64(i)), Quality: 0.8},
		}
	}
	return out
}

func openTest(t testing.TB, path string, opts ...Option) *Album {
	t.Helper()
	a, err := OpenAlbum(path, testKey, append([]Option{WithConsent(true)}, opts...)...)
	if err != nil {
		t.Fatalf("OpenAlbum: %v", err)
	}
	return a
}

func tempAlbum(t testing.TB) string {
	return filepath.Join(t.TempDir(), "album.fc")
}

func mustAdd(t testing.TB, a *Album, photoID string, people ...int) []string {
	t.Helper()
	ids, err := a.AddFeatures(context.Background(), photoID, photoFaces(photoID, people...))
	if err != nil {
		t.Fatalf("AddFeatures(%q): %v", photoID, err)
	}
	return ids
}

// snapshot is an album's observable content, for comparing albums.
type snapshot struct {
	photos map[string][]FaceInfo
	people map[string]Person
}

func takeSnapshot(a *Album) (*snapshot, error) {
	s := &snapshot{photos: map[string][]FaceInfo{}, people: map[string]Person{}}
	ids, err := a.Photos()
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		p, err := a.Photo(id)
		if err != nil {
			return nil, err
		}
		s.photos[id] = p.Faces
	}
	ps, err := a.People()
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		s.people[p.ID] = p
	}
	var buf bytes.Buffer
	if err := a.Export(context.Background(), &buf); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *snapshot) equal(o *snapshot) bool {
	if len(s.photos) != len(o.photos) || len(s.people) != len(o.people) {
		return false
	}
	for id, fs := range s.photos {
		of, ok := o.photos[id]
		if !ok || len(of) != len(fs) {
			return false
		}
		for i := range fs {
			if !faceInfoEqual(fs[i], of[i]) {
				return false
			}
		}
	}
	for id, p := range s.people {
		op, ok := o.people[id]
		if !ok || op.Name != p.Name || !slices.Equal(op.Faces, p.Faces) || !slices.Equal(op.Photos, p.Photos) {
			return false
		}
	}
	return true
}

func faceInfoEqual(a, b FaceInfo) bool {
	return a.ID == b.ID && a.Box == b.Box && slices.Equal(a.Landmarks, b.Landmarks) && a.Score == b.Score &&
		a.Pose == b.Pose && a.Photo == b.Photo && a.Person == b.Person && a.Model == b.Model && a.Quality == b.Quality
}

func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
