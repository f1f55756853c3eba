package embed

import (
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/internal/imageio"
)

func TestSimilarity(t *testing.T) {
	// Points turned by 30 degrees, scaled by 2 and moved map back exactly.
	sin, cos := math.Sincos(30 * math.Pi / 180)
	src := [][2]float64{{0, 0}, {10, 0}, {5, 8}, {5, 14}}
	dst := make([][2]float64, len(src))
	for i, p := range src {
		dst[i] = [2]float64{2*(cos*p[0]-sin*p[1]) + 7, 2*(sin*p[0]+cos*p[1]) - 3}
	}
	m := similarity(src, dst)
	want := [6]float64{2 * cos, -2 * sin, 7, 2 * sin, 2 * cos, -3}
	for i := range m {
		if math.Abs(m[i]-want[i]) > 1e-9 {
			t.Fatalf("matrix %v, want %v", m, want)
		}
	}
}

func TestAlignTemplate(t *testing.T) {
	// A face whose keypoints sit exactly on the template (shifted by the
	// half-pixel convention) gives the identity map.
	var kps [detect.NumKeypoints]detect.Point
	for i, k := range []int{detect.RightEye, detect.LeftEye, detect.NoseTip, detect.Mouth} {
		kps[k] = detect.Point{X: float32(dlibTemplate[i][0] + 0.5), Y: float32(dlibTemplate[i][1] + 0.5)}
	}
	m := alignDlib(kps)
	for i, w := range [6]float64{1, 0, 0, 0, 1, 0} {
		if math.Abs(m[i]-w) > 1e-5 {
			t.Fatalf("matrix %v, want identity", m)
		}
	}
	// faceres: an upright 224x224 box shrunk by 1/faceresEnlarge maps
	// output pixel centres onto the enlarged box's pixel centres, one
	// sample.
	in := 224 * (faceresEnlarge - 1) / 2 / faceresEnlarge
	f := detect.Face{Box: detect.Box{X: float32(100 + in), Y: float32(50 + in), W: 224 / faceresEnlarge, H: 224 / faceresEnlarge}}
	f.Keypoints[detect.LeftEye].X = 1
	fm, s := faceresCrop(f)
	if s != 1 || math.Abs(fm[0]-1) > 1e-6 || math.Abs(fm[2]-100) > 1e-3 || math.Abs(fm[5]-50) > 1e-3 {
		t.Errorf("faceres crop %v, samples %d", fm, s)
	}
}

func TestQuality(t *testing.T) {
	good := detect.Face{Box: detect.Box{W: 200, H: 200}, Score: 0.95}
	bad := detect.Face{Box: detect.Box{W: 20, H: 20}, Score: 0.55, Pose: detect.Pose{Yaw: 70}}
	qg, qb := Quality(good, 500), Quality(bad, 5)
	if !(qg > 0.8 && qg <= 1 && qb >= 0 && qb < 0.1) {
		t.Errorf("quality good %v, bad %v", qg, qb)
	}
}

func TestDistanceTags(t *testing.T) {
	a := Feature{Model: TagFused, Vector: []float32{1, 0}}
	b := Feature{Model: TagDlib, Vector: []float32{1, 0}}
	if _, err := a.Distance(b); !errors.Is(err, ErrModelMismatch) {
		t.Errorf("compared different tags: %v", err)
	}
	if d, err := a.Distance(a); err != nil || d != 0 {
		t.Errorf("self distance %v, %v", d, err)
	}
}

var (
	embOnce sync.Once
	embAcc  *Embedder
	embErr  error
)

func testEmbedder(t testing.TB) *Embedder {
	embOnce.Do(func() { embAcc, embErr = New() })
	if embErr != nil {
		t.Fatal(embErr)
	}
	return embAcc
}

func TestInvalidInput(t *testing.T) {
	e := testEmbedder(t)
	img := detect.Image{Width: 64, Height: 64, Stride: 192, Pix: make([]byte, 64*192)}
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7919 >> 3)
	}
	face := detect.Face{Box: detect.Box{X: 10, Y: 10, W: 40, H: 40}, Score: 0.9}
	face.Keypoints[detect.RightEye] = detect.Point{X: 20, Y: 25}
	face.Keypoints[detect.LeftEye] = detect.Point{X: 40, Y: 25}
	face.Keypoints[detect.NoseTip] = detect.Point{X: 30, Y: 35}
	face.Keypoints[detect.Mouth] = detect.Point{X: 30, Y: 42}
	if _, err := e.Extract(img, face); err != nil {
		t.Fatalf("valid input: %v", err)
	}
	badImgs := []detect.Image{{}, {Width: 64, Height: 64, Stride: 100, Pix: img.Pix}, {Width: 64, Height: 64, Stride: 192, Pix: img.Pix[:100]}, {Width: 30000, Height: 1, Stride: 90000}}
	for i, m := range badImgs {
		if _, err := e.Extract(m, face); !errors.Is(err, detect.ErrInvalidImage) {
			t.Errorf("image %d: %v", i, err)
		}
		if n := allocBytes(func() { e.Extract(m, face) }); n > 1024 {
			t.Errorf("image %d: %d bytes allocated", i, n)
		}
	}
	nan := face
	nan.Keypoints[detect.NoseTip].X = float32(math.NaN())
	zero := face
	zero.Box.W = 0
	eyes := face
	eyes.Keypoints[detect.LeftEye] = eyes.Keypoints[detect.RightEye]
	for i, f := range []detect.Face{nan, zero, eyes} {
		if _, err := e.Extract(img, f); !errors.Is(err, ErrInvalidFace) {
			t.Errorf("face %d: %v", i, err)
		}
	}
}

func allocBytes(f func()) uint64 {
	f()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	for range 10 {
		f()
	}
	runtime.ReadMemStats(&b)
	return (b.TotalAlloc - a.TotalAlloc) / 10
}

// loadJPEG decodes a photo file (any format internal/imageio reads, EXIF
// orientation applied).
func loadJPEG(t testing.TB, path string) detect.Image {
	t.Helper()
	img, _, err := imageio.DecodeFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return detect.Image(img)
}
