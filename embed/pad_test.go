package embed

import (
	"testing"

	"github.com/facecluster/facecluster/detect"
)

// TestPadEdges compares padEdges with replicating each output pixel's
// nearest source pixel, with a padded stride and a reused buffer.
func TestPadEdges(t *testing.T) {
	var buf []byte
	for _, c := range []struct{ w, h, stride, pad int }{{1, 1, 3, 2}, {5, 3, 17, 4}, {7, 6, 21, 1}, {4, 9, 12, 10}} {
		img := detect.Image{Width: c.w, Height: c.h, Stride: c.stride, Pix: make([]byte, (c.h-1)*c.stride+3*c.w)}
		for i := range img.Pix {
			img.Pix[i] = byte(i*7 + 1)
		}
		var out detect.Image
		out, buf = padEdges(img, c.pad, buf)
		if out.Width != c.w+2*c.pad || out.Height != c.h+2*c.pad || out.Stride != 3*out.Width {
			t.Fatalf("%+v: got %dx%d stride %d", c, out.Width, out.Height, out.Stride)
		}
		for y := range out.Height {
			for x := range out.Width {
				sx, sy := min(max(x-c.pad, 0), c.w-1), min(max(y-c.pad, 0), c.h-1)
				for ch := range 3 {
					if got, want := out.Pix[y*out.Stride+3*x+ch], img.Pix[sy*img.Stride+3*sx+ch]; got != want {
						t.Fatalf("%+v: pixel (%d, %d) channel %d = %d, want %d", c, x, y, ch, got, want)
					}
				}
			}
		}
	}
}
