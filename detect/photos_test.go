package detect

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/facecluster/facecluster/internal/devdata"
)

// TestLabelledPhotos: a face is found in at least 99% of a sample of the
// labelled identity photos (every 12th; every 40th when slow), and the
// misses are listed.
func TestLabelledPhotos(t *testing.T) {
	dir := devdata.Dir(t)
	d := newTestDetector(t)
	step := 12
	if devdata.Slow() {
		step = 40
	}
	n, missed := 0, 0
	for i, r := range readCSV(t, filepath.Join(dir, "labels.csv")) {
		if i%step != 0 || strings.HasPrefix(r[0], "hard/exif") { // EXIF is the caller's job
			continue
		}
		img := loadImage(t, filepath.Join(dir, r[0]))
		if img.Width == 0 {
			continue
		}
		faces, err := d.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		if len(faces) == 0 {
			t.Logf("%s: no face", r[0])
			missed++
		}
		n++
	}
	if float64(missed) > 0.01*float64(n) {
		t.Errorf("no face in %d of %d photos", missed, n)
	}
	t.Logf("%d photos, %d without a face", n, missed)
}

// TestNoFace: the photos without people yield no face.
func TestNoFace(t *testing.T) {
	dir := devdata.Dir(t)
	d := newTestDetector(t)
	ents, err := os.ReadDir(filepath.Join(dir, "no_face"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		faces, err := d.Detect(loadImage(t, filepath.Join(dir, "no_face", e.Name())))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range faces {
			t.Errorf("no_face/%s: face %+v score %.2f", e.Name(), f.Box, f.Score)
		}
	}
}

// TestBoxes: recall >= 0.95 at IoU >= 0.4 on the annotated group photos.
func TestBoxes(t *testing.T) {
	dir := devdata.Dir(t)
	if devdata.Slow() {
		t.Skip("slow mode: group photos skipped")
	}
	d := newTestDetector(t)
	byFile := map[string][]Box{}
	var files []string
	for _, r := range readCSV(t, filepath.Join(dir, "detection", "boxes.csv")) {
		if r[6] == "1" {
			continue
		}
		var b [4]float32
		for i := range b {
			var v float64
			if _, err := fmtSscan(r[2+i], &v); err != nil {
				t.Fatal(err)
			}
			b[i] = float32(v)
		}
		if byFile[r[0]] == nil {
			files = append(files, r[0])
		}
		byFile[r[0]] = append(byFile[r[0]], Box{b[0], b[1], b[2], b[3]})
	}
	total, hit := 0, 0
	for _, f := range files {
		faces, err := d.Detect(loadImage(t, filepath.Join(dir, f)))
		if err != nil {
			t.Fatal(err)
		}
		used := make([]bool, len(faces))
		for _, g := range byFile[f] {
			total++
			for i, fc := range faces {
				if !used[i] && IoU(g, fc.Box) >= 0.4 {
					used[i] = true
					hit++
					break
				}
			}
		}
	}
	if r := float64(hit) / float64(total); r < 0.95 {
		t.Errorf("recall %.3f (%d/%d), want >= 0.95", r, hit, total)
	} else {
		t.Logf("recall %.3f (%d/%d)", r, hit, total)
	}
}

// rotateImage turns img clockwise by deg degrees about its centre onto a
// canvas that holds it (black outside), nearest neighbour.
func rotateImage(img Image, deg float64) Image {
	s, c := math.Sincos(deg * math.Pi / 180)
	W, H := float64(img.Width), float64(img.Height)
	ow := int(math.Ceil(math.Abs(W*c) + math.Abs(H*s)))
	oh := int(math.Ceil(math.Abs(W*s) + math.Abs(H*c)))
	out := Image{Width: ow, Height: oh, Stride: 3 * ow, Pix: make([]byte, 3*ow*oh)}
	for y := range oh {
		for x := range ow {
			dx, dy := float64(x)+0.5-float64(ow)/2, float64(y)+0.5-float64(oh)/2
			sx := int(math.Floor(c*dx + s*dy + W/2))
			sy := int(math.Floor(-s*dx + c*dy + H/2))
			if sx >= 0 && sy >= 0 && sx < img.Width && sy < img.Height {
				copy(out.Pix[y*out.Stride+3*x:][:3], img.Pix[sy*img.Stride+3*sx:][:3])
			}
		}
	}
	return out
}

func largestFace(faces []Face) (Face, bool) {
	if len(faces) == 0 {
		return Face{}, false
	}
	b := faces[0]
	for _, f := range faces[1:] {
		if f.Box.Area() > b.Box.Area() {
			b = f
		}
	}
	return b, true
}

// TestRollOnRotations: on photos rotated by known angles, the roll changes
// by the angle, within 3 degrees; with the rotation sweep, faces upside
// down and on their side are found.
func TestRollOnRotations(t *testing.T) {
	dir := devdata.Dir(t)
	d := newTestDetector(t)
	sweep, err := New(WithRotationSweep(true))
	if err != nil {
		t.Fatal(err)
	}
	photos := []string{"identity/deepface/Angelina_Jolie/img1.jpg", "identity/deepface/Mark_Zuckerberg/img14.jpg", "identity/face_recognition/Barack_Obama/" + firstFile(t, filepath.Join(dir, "identity/face_recognition/Barack_Obama"))}
	angles := []float64{-60, -25, 10, 40, 90, 180, -90}
	if devdata.Slow() {
		photos, angles = photos[1:2], []float64{30, 180}
	}
	for _, p := range photos {
		img := loadImage(t, filepath.Join(dir, p))
		base, ok := largestFace(mustDetect(t, d, img))
		if !ok {
			t.Fatalf("%s: no face", p)
		}
		for _, a := range angles {
			r := rotateImage(img, a)
			// Where the face's centre goes.
			sn, cs := math.Sincos(a * math.Pi / 180)
			c := base.Box.Center()
			dx, dy := float64(c.X)-float64(img.Width)/2, float64(c.Y)-float64(img.Height)/2
			at := Point{float32(cs*dx - sn*dy + float64(r.Width)/2), float32(sn*dx + cs*dy + float64(r.Height)/2)}
			f, ok := nearestFace(mustDetect(t, sweep, r), at, base.Box.W/2)
			if !ok {
				t.Errorf("%s rotated %v: no face", p, a)
				continue
			}
			e := math.Mod(float64(f.Pose.Roll-base.Pose.Roll)-a+540, 360) - 180
			if math.Abs(e) > 3 {
				t.Errorf("%s rotated %v: roll %.1f, base %.1f: error %.1f degrees", p, a, f.Pose.Roll, base.Pose.Roll, e)
			}
		}
	}
}

// TestUpsideDown: faces the rotation sweep's upright pass read as upright
// in their photo turned by 180 degrees (roll 167 and 169 degrees off,
// before refine looked at both readings) have the roll of the upright
// photo's face plus 180 degrees, within 3 degrees (the first only when
// slow).
func TestUpsideDown(t *testing.T) {
	dir := devdata.Dir(t)
	photos := []string{"identity/deepface/Mark_Zuckerberg/img57.jpg", "identity/deepface/George_Clooney/img41.jpg"}
	if devdata.Slow() {
		photos = photos[:1]
	}
	d := newTestDetector(t)
	sweep, err := New(WithRotationSweep(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range photos {
		img := loadImage(t, filepath.Join(dir, p))
		base, ok := largestFace(mustDetect(t, d, img))
		if !ok {
			t.Fatalf("%s: no face", p)
		}
		c := base.Box.Center()
		at := Point{float32(img.Width) - c.X, float32(img.Height) - c.Y}
		f, ok := nearestFace(mustDetect(t, sweep, rotateImage(img, 180)), at, base.Box.W/2)
		if !ok {
			t.Errorf("%s upside down: no face", p)
			continue
		}
		if e := math.Mod(float64(f.Pose.Roll-base.Pose.Roll)+360, 360) - 180; math.Abs(e) > 3 {
			t.Errorf("%s upside down: roll %.1f, upright %.1f: error %.1f degrees", p, f.Pose.Roll, base.Pose.Roll, e)
		}
	}
}

// TestYawMirror: a photo and its mirror image have yaws of opposite sign,
// on every deepface photo (every 12th when slow) whose face is turned by 5
// degrees or more.
func TestYawMirror(t *testing.T) {
	dir := devdata.Dir(t)
	d := newTestDetector(t)
	n := 0
	for i, r := range readCSV(t, filepath.Join(dir, "labels.csv")) {
		if !strings.HasPrefix(r[0], "identity/deepface/") || (devdata.Slow() && i%12 != 0) {
			continue
		}
		img := loadImage(t, filepath.Join(dir, r[0]))
		if img.Width == 0 {
			continue
		}
		a, ok := largestFace(mustDetect(t, d, img))
		if !ok || math.Abs(float64(a.Pose.Yaw)) < 5 {
			continue
		}
		m := Image{Width: img.Width, Height: img.Height, Stride: img.Stride, Pix: make([]byte, len(img.Pix))}
		for y := range img.Height {
			for x := range img.Width {
				copy(m.Pix[y*m.Stride+3*x:][:3], img.Pix[y*img.Stride+3*(img.Width-1-x):][:3])
			}
		}
		c := a.Box.Center()
		b, ok := nearestFace(mustDetect(t, d, m), Point{float32(img.Width) - c.X, c.Y}, a.Box.W/2)
		if !ok {
			t.Errorf("%s mirrored: no face", r[0])
			continue
		}
		if (a.Pose.Yaw > 0) == (b.Pose.Yaw > 0) {
			t.Errorf("%s: yaw %.1f, mirrored %.1f", r[0], a.Pose.Yaw, b.Pose.Yaw)
		}
		n++
	}
	t.Logf("%d turned faces", n)
}

// TestConcurrent: concurrent Detect calls agree with serial ones.
func TestConcurrent(t *testing.T) {
	dir := devdata.Dir(t)
	d := newTestDetector(t)
	files := []string{"identity/deepface/Angelina_Jolie/img1.jpg", "identity/deepface/Mark_Zuckerberg/img14.jpg", "detection/dlib_voc/2007_007763.jpg"}
	var imgs []Image
	var want [][]Face
	for _, f := range files {
		img := loadImage(t, filepath.Join(dir, f))
		imgs = append(imgs, img)
		want = append(want, mustDetect(t, d, img))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 {
				i := (g + k) % len(imgs)
				got, err := d.Detect(imgs[i])
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) != len(want[i]) {
					t.Errorf("%s: %d faces concurrently, %d serially", files[i], len(got), len(want[i]))
					continue
				}
				for j := range got {
					if got[j] != want[i][j] {
						t.Errorf("%s: face %d differs: %+v vs %+v", files[i], j, got[j], want[i][j])
					}
				}
			}
		}()
	}
	wg.Wait()
}

func mustDetect(t testing.TB, d *Detector, img Image) []Face {
	t.Helper()
	faces, err := d.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	return faces
}

func firstFile(t testing.TB, dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		t.Fatalf("%s: %v", dir, err)
	}
	return ents[0].Name()
}

// nearestFace returns the face whose centre is nearest p, within r.
func nearestFace(faces []Face, p Point, r float32) (Face, bool) {
	best, bd := Face{}, float32(math.Inf(1))
	for _, f := range faces {
		c := f.Box.Center()
		if d := float32(math.Hypot(float64(c.X-p.X), float64(c.Y-p.Y))); d < bd {
			best, bd = f, d
		}
	}
	return best, bd <= r
}
