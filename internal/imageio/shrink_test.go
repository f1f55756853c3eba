package imageio

import (
	"math/rand/v2"
	"testing"
)

func TestShrink(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	img := Image{Width: 7, Height: 5, Stride: 3*7 + 2, Pix: make([]byte, (3*7+2)*5)}
	for i := range img.Pix {
		img.Pix[i] = byte(rng.IntN(256))
	}
	// Same size: a copy.
	same := Shrink(img, 7, 5)
	for y := range 5 {
		for x := range 21 {
			if same.Pix[y*21+x] != img.Pix[y*img.Stride+x] {
				t.Fatalf("same size: (%d, %d) differs", x, y)
			}
		}
	}
	// 7x5 -> 3x2: output (1, 0) averages columns 2..3, rows 0..1 (7/3 = 2,
	// 14/3 = 4: columns 2 and 3; rows 0 and 1).
	out := Shrink(img, 3, 2)
	for ch := range 3 {
		sum := 0
		for yy := 0; yy < 2; yy++ {
			for xx := 2; xx < 4; xx++ {
				sum += int(img.Pix[yy*img.Stride+3*xx+ch])
			}
		}
		if got := out.Pix[3*1+ch]; got != byte(sum/4) {
			t.Errorf("channel %d: %d, want %d", ch, got, sum/4)
		}
	}
	if w, h := Fit(img, 640, 480); w != 7 || h != 5 {
		t.Errorf("Fit never enlarges: %dx%d", w, h)
	}
	if w, h := Fit(Image{Width: 1280, Height: 960}, 640, 640); w != 640 || h != 480 {
		t.Errorf("Fit 1280x960 in 640x640: %dx%d", w, h)
	}
	defer func() {
		if recover() == nil {
			t.Error("Shrink to a larger size did not panic")
		}
	}()
	Shrink(img, 8, 5)
}
