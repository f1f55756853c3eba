package detect

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/imageio"
)

// scaleNearest returns img resized to w x h by nearest-neighbour sampling.
func scaleNearest(img Image, w, h int) Image {
	out := Image{Width: w, Height: h, Stride: 3 * w, Pix: make([]byte, 3*w*h)}
	for y := range h {
		sy := y * img.Height / h
		for x := range w {
			sx := x * img.Width / w
			copy(out.Pix[y*out.Stride+3*x:y*out.Stride+3*x+3], img.Pix[sy*img.Stride+3*sx:])
		}
	}
	return out
}

// paste copies src into dst with its top-left corner at (x, y).
func paste(dst, src Image, x, y int) {
	for r := range src.Height {
		copy(dst.Pix[(y+r)*dst.Stride+3*x:], src.Pix[r*src.Stride:r*src.Stride+3*src.Width])
	}
}

// TestTilePass: a face too small for the full pass (40 px wide in a
// 2400x1600 photo; the full pass, with its second look, finds faces down to
// about 46 px there) is found by the automatic tile pass wherever it sits
// (inside a tile, in the overlap of two, near a corner), and the tile pass
// adds no face on the busy background (the false-positive controls:
// TileScoreThreshold, the second look, dropping faces inside larger ones).
// With TileScoreThreshold at its former 0.75 it misses 3 of these 9.
func TestTilePass(t *testing.T) {
	dir := devdata.Dir(t)
	if devdata.Slow() {
		t.Skip("slow: a dozen 2400x1600 photos through the tile pass")
	}
	d := newTestDetector(t)
	off, err := New(WithTiles(TilesOff))
	if err != nil {
		t.Fatal(err)
	}
	// Cars and street: a busy, face-free background, scaled up.
	bg := scaleNearest(loadImage(t, filepath.Join(dir, "no_face", "mmod_cars_test_image.jpg")), 2400, 1600)
	faces, err := d.Detect(bg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range faces {
		t.Errorf("background alone: face %+v score %.2f", f.Box, f.Score)
	}

	var donors []string
	for _, r := range readCSV(t, filepath.Join(dir, "labels.csv")) {
		if strings.HasPrefix(r[0], "identity/deepface/") && len(donors) < 3 {
			donors = append(donors, r[0])
		}
	}
	const faceW = 42 // pixels wide in the 2400x1600 photo
	spots := [][2]int{{300, 300}, {1180, 760}, {2100, 1350}}
	for k, file := range donors {
		src := loadImage(t, filepath.Join(dir, file))
		fs, err := d.Detect(src)
		if err != nil || len(fs) == 0 {
			t.Fatalf("%s: %v, %d faces", file, err, len(fs))
		}
		// A square of twice the face's width around it, shrunk so that the
		// face is faceW wide.
		b := fs[0].Box
		side := 2 * b.W
		x0, y0 := int(b.X+b.W/2-side/2), int(b.Y+b.H/2-side/2)
		x0, y0 = max(x0, 0), max(y0, 0)
		s := int(min(side, float32(src.Width-x0), float32(src.Height-y0)))
		crop := Image{Width: s, Height: s, Stride: src.Stride, Pix: src.Pix[y0*src.Stride+3*x0:]}
		out := int(float32(s) * faceW / b.W)
		small := Image(imageio.Shrink(imageio.Image(crop), out, out))
		scale := float32(out) / float32(s)
		want := Box{X: (b.X - float32(x0)) * scale, Y: (b.Y - float32(y0)) * scale, W: b.W * scale, H: b.H * scale}

		for _, spot := range spots {
			img := Image{Width: bg.Width, Height: bg.Height, Stride: bg.Stride, Pix: append([]byte(nil), bg.Pix...)}
			px, py := spot[0]-out/2, spot[1]-out/2
			paste(img, small, px, py)
			box := Box{X: want.X + float32(px), Y: want.Y + float32(py), W: want.W, H: want.H}
			name := filepath.Base(file)
			if fs, err := off.Detect(img); err != nil {
				t.Fatal(err)
			} else {
				for _, f := range fs {
					if IoU(f.Box, box) >= 0.3 {
						t.Fatalf("%s at %v: the full pass alone found the face (%+v): the test needs a smaller one", name, spot, f.Box)
					}
				}
			}
			fs, err := d.Detect(img)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range fs {
				if IoU(f.Box, box) >= 0.4 {
					found = true
					continue
				}
				t.Errorf("%s at %v: false positive %+v score %.2f", name, spot, f.Box, f.Score)
			}
			if !found {
				t.Errorf("%s at %v: the tile pass missed the %.0f px face at %+v (found %d faces)", name, spot, box.W, box, len(fs))
			}
		}
		if k == 0 {
			t.Logf("face %.0f px wide in a %dx%d photo", want.W, bg.Width, bg.Height)
		}
	}
}
