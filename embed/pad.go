package embed

import (
	"math"

	"github.com/facecluster/facecluster/detect"
)

// maxPadPixels bounds the photos Extract pads: larger photos are sampled
// as they are (black outside), since a face near the edge of a large photo
// rarely reaches past it by much.
const maxPadPixels = 1 << 20

// reach returns how many pixels the sampling of matrix m over a size x size
// output reaches past the image's edges (0 if it stays inside).
func reach(m [6]float64, size int, w, h int) int {
	r := 0.0
	n := float64(size - 1)
	for _, c := range [4][2]float64{{0, 0}, {n, 0}, {0, n}, {n, n}} {
		x := m[0]*c[0] + m[1]*c[1] + m[2]
		y := m[3]*c[0] + m[4]*c[1] + m[5]
		r = max(r, -x, -y, x-float64(w-1), y-float64(h-1))
	}
	return int(math.Ceil(r)) + 2
}

// maxPooledPad is the largest padded image whose buffer an Embedder keeps
// for the next call (bytes); larger ones are allocated each time.
const maxPooledPad = 8 << 20

// padEdges returns img with pad pixels added on every side, filled by
// replicating the nearest edge pixel, in buf when it is large enough (else
// in a new buffer, returned for reuse when at most maxPooledPad bytes).
func padEdges(img detect.Image, pad int, buf []byte) (detect.Image, []byte) {
	w, h := img.Width+2*pad, img.Height+2*pad
	n := 3 * w * h
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	out := detect.Image{Width: w, Height: h, Stride: 3 * w, Pix: buf[:n]}
	if n > maxPooledPad {
		buf = nil
	}
	row := 3 * img.Width
	for y := range h {
		sy := min(max(y-pad, 0), img.Height-1)
		src := img.Pix[sy*img.Stride : sy*img.Stride+row]
		dst := out.Pix[y*out.Stride : (y+1)*out.Stride]
		copy(dst[3*pad:], src)
		left, right := dst[:3*pad], dst[3*pad+row:]
		for x := 0; x < len(left); x += 3 {
			copy(left[x:x+3], src[:3])
		}
		for x := 0; x < len(right); x += 3 {
			copy(right[x:x+3], src[row-3:])
		}
	}
	return out, buf
}
