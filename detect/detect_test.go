package detect

import (
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"
)

func TestAnchors(t *testing.T) {
	want := map[int][2]float32{0: {8, 8}, 1: {8, 8}, 2: {24, 8}, 32: {8, 24}, 511: {248, 248}, 512: {16, 16}, 517: {16, 16}, 518: {48, 16}, 895: {240, 240}}
	for i, w := range want {
		if anchors[i] != w {
			t.Errorf("anchor %d = %v, want %v", i, anchors[i], w)
		}
	}
}

// rawOutputs returns zeroed detector outputs with every logit at -50.
func rawOutputs() (s16, b16, s8, b8 []float32) {
	s16, b16 = make([]float32, 512), make([]float32, 512*16)
	s8, b8 = make([]float32, 384), make([]float32, 384*16)
	for i := range s16 {
		s16[i] = -50
	}
	for i := range s8 {
		s8[i] = -50
	}
	return
}

func TestDecode(t *testing.T) {
	s16, b16, s8, b8 := rawOutputs()
	// Anchor 40 of the stride-16 head: cell (4, 1) -> centre (72, 24).
	s16[40] = 2
	r := b16[40*16:]
	copy(r, []float32{3, -2, 40, 50, -10, -5, 10, -5, 0, 5, 0, 15, -20, 0, 20, 0})
	// Anchor 900-512... the stride-32 head's anchor 100: cell 16 = (0, 2) -> (16, 80).
	s8[100] = 1e6 // clamped to 100
	b8[100*16+2], b8[100*16+3] = 64, 64
	got := decode(nil, s16, b16, s8, b8, 0.5)
	if len(got) != 2 {
		t.Fatalf("%d candidates, want 2", len(got))
	}
	c := got[0]
	if math.Abs(float64(c.score)-1/(1+math.Exp(-2))) > 1e-6 {
		t.Errorf("score %v", c.score)
	}
	if want := (Box{75 - 20, 22 - 25, 40, 50}); c.box != want {
		t.Errorf("box %+v, want %+v", c.box, want)
	}
	wantK := [6]Point{{62, 19}, {82, 19}, {72, 29}, {72, 39}, {52, 24}, {92, 24}}
	if c.kps != wantK {
		t.Errorf("keypoints %v, want %v", c.kps, wantK)
	}
	if got[1].score != 1 || got[1].box != (Box{16 - 32, 80 - 32, 64, 64}) {
		t.Errorf("second candidate %+v", got[1])
	}
	if n := len(decode(nil, s16, b16, s8, b8, 0.9)); n != 1 {
		t.Errorf("threshold 0.9: %d candidates, want 1", n)
	}
	if sigmoid(-1e9) != float32(1/(1+math.Exp(100))) || math.IsNaN(float64(sigmoid(float32(math.NaN())))) == false && false {
		t.Error("sigmoid does not clamp")
	}
}

func TestWeightedNMS(t *testing.T) {
	a := candidate{box: Box{0, 0, 10, 10}, score: 0.9}
	b := candidate{box: Box{2, 0, 10, 10}, score: 0.6}
	c := candidate{box: Box{50, 50, 10, 10}, score: 0.7}
	for j := range NumKeypoints {
		a.kps[j] = Point{1, 1}
		b.kps[j] = Point{6, 1}
	}
	got := weightedNMS(nil, []candidate{b, c, a}, 0.3)
	if len(got) != 2 {
		t.Fatalf("%d faces, want 2", len(got))
	}
	// Blend of a and b weighted 0.9:0.6: x0 = 0.8, keypoint x = 3.
	g := got[0]
	if g.score != 0.9 || math.Abs(float64(g.box.X-0.8)) > 1e-5 || math.Abs(float64(g.box.W-10)) > 1e-5 || math.Abs(float64(g.kps[2].X-3)) > 1e-5 {
		t.Errorf("blend %+v", g)
	}
	if got[1].box != c.box {
		t.Errorf("second %+v", got[1])
	}
}

// TestWeightedNMSAlt: a candidate from a pass at another orientation that
// reads the face the other way up is kept as the group's alt; one that
// agrees about which way is up is not.
func TestWeightedNMSAlt(t *testing.T) {
	eyes := func(c *candidate, x0, y0, x1, y1 float32) {
		c.kps[RightEye], c.kps[LeftEye] = Point{x0, y0}, Point{x1, y1}
	}
	top := candidate{box: Box{0, 0, 10, 10}, score: 0.9}
	eyes(&top, 3, 4, 7, 4)
	up := candidate{box: Box{1, 0, 10, 10}, score: 0.8, turns: 1}
	eyes(&up, 3, 4, 7, 5) // about 14 degrees from top's roll
	down := candidate{box: Box{0, 1, 10, 10}, score: 0.7, turns: 2}
	eyes(&down, 7, 6, 3, 6) // 180 degrees from top's roll
	got := weightedNMS(nil, []candidate{down, top, up}, 0.3)
	if len(got) != 1 || !got[0].hasAlt || got[0].alt != down.box || math.Abs(math.Abs(got[0].altRoll)-math.Pi) > 1e-6 {
		t.Errorf("with a reading the other way up: %+v", got)
	}
	got = weightedNMS(nil, []candidate{top, up}, 0.3)
	if len(got) != 1 || got[0].hasAlt {
		t.Errorf("with readings the same way up: %+v", got)
	}
}

func TestDropContained(t *testing.T) {
	big := candidate{box: Box{0, 0, 100, 100}, score: 0.6}
	inside := candidate{box: Box{10, 10, 20, 20}, score: 0.9}
	apart := candidate{box: Box{90, 90, 30, 30}, score: 0.8}
	got := dropContained([]candidate{inside, big, apart}, containFrac)
	if len(got) != 2 || got[0].box != big.box || got[1].box != apart.box {
		t.Errorf("got %+v", got)
	}
}

func TestIoU(t *testing.T) {
	if v := IoU(Box{0, 0, 10, 10}, Box{5, 0, 10, 10}); math.Abs(float64(v)-50.0/150) > 1e-6 {
		t.Errorf("IoU %v", v)
	}
	if IoU(Box{}, Box{}) != 0 {
		t.Error("empty IoU")
	}
}

func TestSquareView(t *testing.T) {
	// A 400x200 photo letterboxed: input (0, 0) is image (0, -100), input
	// (256, 256) is image (400, 300).
	a := squareView(200, 100, 400, InputSize, 0)
	for _, c := range [][4]float64{{0, 0, 0, -100}, {256, 256, 400, 300}, {128, 128, 200, 100}} {
		x, y := a.apply(c[0], c[1])
		if math.Abs(x-c[2]) > 1e-9 || math.Abs(y-c[3]) > 1e-9 {
			t.Errorf("(%v, %v) -> (%v, %v), want (%v, %v)", c[0], c[1], x, y, c[2], c[3])
		}
	}
	// Quarter turns: input's top-left corner goes round the square's corners.
	want := [4][2]float64{{0, -100}, {0, 300}, {400, 300}, {400, -100}}
	for turns := range 4 {
		x, y := squareView(200, 100, 400, InputSize, turns).apply(0, 0)
		if math.Abs(x-want[turns][0]) > 1e-9 || math.Abs(y-want[turns][1]) > 1e-9 {
			t.Errorf("turns %d: corner at (%v, %v), want %v", turns, x, y, want[turns])
		}
	}
	// The warp matrix works on pixel centres: input pixel 0's centre
	// (0.5 in continuous coordinates) lands at image centre coordinate
	// x = 0.5*400/256 - 0.5.
	m := a.warpMatrix()
	if x := m[2]; math.Abs(x-(0.5*400.0/256-0.5)) > 1e-9 {
		t.Errorf("warp x offset %v", x)
	}
}

// project returns the keypoints of the generic face turned by yaw, pitch
// and roll (degrees), scaled by s and moved to (cx, cy).
func project(yaw, pitch, roll, s, cx, cy float64) [NumKeypoints]Point {
	y, p, r := yaw*math.Pi/180, pitch*math.Pi/180, roll*math.Pi/180
	var kps [NumKeypoints]Point
	for i, m := range poseModel {
		x, yy, z := m[0], m[1], m[2]
		// Yaw about y: the nose (z < 0) moves towards +x for yaw > 0.
		x, z = x*math.Cos(y)-z*math.Sin(y), x*math.Sin(y)+z*math.Cos(y)
		// Pitch about x: the nose moves up (-y) for pitch > 0.
		yy, z = yy*math.Cos(p)+z*math.Sin(p), -yy*math.Sin(p)+z*math.Cos(p)
		// Roll in the image plane.
		x, yy = x*math.Cos(r)-yy*math.Sin(r), x*math.Sin(r)+yy*math.Cos(r)
		kps[i] = Point{float32(cx + s*x), float32(cy + s*yy)}
	}
	return kps
}

func TestPoseSynthetic(t *testing.T) {
	for _, c := range [][3]float64{{0, 0, 0}, {30, 0, 0}, {-45, 0, 0}, {0, 20, 0}, {0, -20, 0}, {25, 15, 40}, {-30, -10, -120}, {10, 5, 180}} {
		p := estimatePose(project(c[0], c[1], c[2], 60, 300, 200))
		// Yaw and pitch are read off the nose direction, which matches the
		// Euler angles of project exactly only when one of them is 0.
		if math.Abs(float64(p.Yaw)-c[0]) > 2 || math.Abs(float64(p.Pitch)-c[1]) > 2 {
			t.Errorf("pose %v: got yaw %.2f pitch %.2f", c, p.Yaw, p.Pitch)
		}
		// Roll is the eye line's angle, which yaw and pitch tilt a little.
		kps := project(c[0], c[1], c[2], 60, 300, 200)
		e := math.Atan2(float64(kps[LeftEye].Y-kps[RightEye].Y), float64(kps[LeftEye].X-kps[RightEye].X)) * 180 / math.Pi
		if math.Abs(float64(p.Roll)-e) > 1e-3 {
			t.Errorf("pose %v: roll %.3f, eye line %.3f", c, p.Roll, e)
		}
	}
	// Mirroring the keypoints (and swapping left and right) negates yaw.
	kps := project(20, 5, 0, 50, 100, 100)
	var m [NumKeypoints]Point
	for i, k := range kps {
		j := i
		switch i {
		case RightEye, RightEar:
			j = i + 1
		case LeftEye, LeftEar:
			j = i - 1
		}
		m[j] = Point{200 - k.X, k.Y}
	}
	a, b := estimatePose(kps), estimatePose(m)
	if math.Abs(float64(a.Yaw+b.Yaw)) > 1e-3 || a.Yaw < 15 {
		t.Errorf("yaw %v, mirrored %v", a.Yaw, b.Yaw)
	}
	// detectedPose removes the detector's bias: on keypoints carrying it
	// (and so on their mirror image, mirrored back, carrying it reversed)
	// it reads what estimatePose reads on the unbiased keypoints.
	biased := kps
	e := Point{kps[LeftEye].X - kps[RightEye].X, kps[LeftEye].Y - kps[RightEye].Y}
	for j, bj := range keypointBias {
		biased[j].X += float32(bj) * e.X
		biased[j].Y += float32(bj) * e.Y
	}
	if p := detectedPose(biased); math.Abs(float64(p.Yaw-a.Yaw)) > 1e-3 || math.Abs(float64(p.Pitch-a.Pitch)) > 1e-3 || p.Roll != a.Roll {
		t.Errorf("detectedPose of biased keypoints %+v, estimatePose of unbiased %+v", p, a)
	}
	if p := estimatePose(biased); math.Abs(float64(p.Yaw-a.Yaw)) < 0.5 {
		t.Errorf("bias moves yaw by %.2f degrees only", p.Yaw-a.Yaw)
	}
}

func TestValidate(t *testing.T) {
	ok := Image{Width: 4, Height: 3, Stride: 12, Pix: make([]byte, 36)}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	last := Image{Width: 4, Height: 3, Stride: 16, Pix: make([]byte, 2*16+12)}
	if err := last.Validate(); err != nil {
		t.Errorf("short last row: %v", err)
	}
	bad := []Image{
		{},
		{Width: 0, Height: 3, Stride: 12, Pix: make([]byte, 36)},
		{Width: 4, Height: -1, Stride: 12, Pix: make([]byte, 36)},
		{Width: 4, Height: 3, Stride: 11, Pix: make([]byte, 36)},
		{Width: 4, Height: 3, Stride: 12, Pix: make([]byte, 35)},
		{Width: 4, Height: 3, Stride: 1 << 62, Pix: make([]byte, 36)},
		{Width: MaxSide + 1, Height: 1, Stride: 3 * (MaxSide + 1)},
		{Width: 15000, Height: 15000, Stride: 45000},
		{Width: 4, Height: 1, Stride: 12, Pix: make([]byte, 11)},
	}
	d := newTestDetector(t)
	for i, m := range bad {
		if err := m.Validate(); !errors.Is(err, ErrInvalidImage) {
			t.Errorf("case %d: %v", i, err)
		}
		// Only the error value may be allocated: no buffers.
		if n := allocBytes(func() { d.Detect(m) }); n > 1024 {
			t.Errorf("case %d: Detect allocated %d bytes", i, n)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Option{WithScoreThreshold(0), WithScoreThreshold(1), WithMinFaceSize(-1), WithTiles(9), WithMaxFaces(-1)} {
		if _, err := New(o); err == nil {
			t.Error("bad option accepted")
		}
	}
}

var (
	testDetOnce sync.Once
	testDet     *Detector
	testDetErr  error
)

func newTestDetector(t testing.TB) *Detector {
	testDetOnce.Do(func() { testDet, testDetErr = New() })
	if testDetErr != nil {
		t.Fatal(testDetErr)
	}
	return testDet
}

func TestBlankImage(t *testing.T) {
	d := newTestDetector(t)
	for _, size := range [][2]int{{1, 1}, {640, 480}, {37, 1500}} {
		img := Image{Width: size[0], Height: size[1], Stride: 3 * size[0], Pix: make([]byte, 3*size[0]*size[1])}
		faces, err := d.Detect(img)
		if err != nil || len(faces) != 0 {
			t.Errorf("%v: %d faces, %v", size, len(faces), err)
		}
	}
}

// allocBytes returns the bytes f allocates (the mean over 10 runs).
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
