package detect

import (
	"errors"
	"fmt"

	"github.com/facecluster/facecluster/kernels"
)

// Limits on the images Detect and embed.Extract accept. Larger images are
// rejected before anything is allocated: decode and downscale them first.
const (
	// MaxSide is the largest width or height, in pixels.
	MaxSide = 20000
	// MaxPixels is the largest width*height (100 megapixels).
	MaxPixels = 100_000_000
)

// ErrInvalidImage is wrapped by every error about an image's geometry.
var ErrInvalidImage = errors.New("detect: invalid image")

// Image is a decoded 8-bit RGB image: channel ch (0 red, 1 green, 2 blue)
// of pixel (x, y) is Pix[y*Stride+3*x+ch]. Stride may exceed 3*Width
// (padded rows); the last row needs only 3*Width bytes.
//
// Coordinates in this package are continuous pixel coordinates: (0, 0) is
// the top-left corner of the top-left pixel, and pixel (i, j) covers
// [i, i+1) x [j, j+1), its centre at (i+0.5, j+0.5).
type Image struct {
	Width, Height int
	Stride        int
	Pix           []byte
}

// Validate reports whether m is a usable image: both dimensions in
// 1..MaxSide, at most MaxPixels pixels, Stride >= 3*Width, and Pix long
// enough for every row. Errors wrap ErrInvalidImage.
func (m Image) Validate() error {
	switch {
	case m.Width < 1 || m.Height < 1:
		return fmt.Errorf("%w: %dx%d: empty", ErrInvalidImage, m.Width, m.Height)
	case m.Width > MaxSide || m.Height > MaxSide:
		return fmt.Errorf("%w: %dx%d: a side exceeds %d pixels", ErrInvalidImage, m.Width, m.Height, MaxSide)
	case m.Width*m.Height > MaxPixels:
		return fmt.Errorf("%w: %dx%d: more than %d pixels", ErrInvalidImage, m.Width, m.Height, MaxPixels)
	case m.Stride < 3*m.Width:
		return fmt.Errorf("%w: stride %d shorter than a row of %d bytes", ErrInvalidImage, m.Stride, 3*m.Width)
	}
	// Overflow-safe: (Height-1)*Stride is computed only when Stride is at
	// most len(Pix), itself an int.
	need := 3 * m.Width
	if m.Height > 1 {
		if m.Stride > len(m.Pix) {
			return fmt.Errorf("%w: %d bytes of pixels, need more than %d", ErrInvalidImage, len(m.Pix), m.Stride)
		}
		rows := m.Height - 1
		if rows > (len(m.Pix)-need)/m.Stride {
			return fmt.Errorf("%w: %d bytes of pixels, need %d", ErrInvalidImage, len(m.Pix), rows*m.Stride+need)
		}
		return nil
	}
	if len(m.Pix) < need {
		return fmt.Errorf("%w: %d bytes of pixels, need %d", ErrInvalidImage, len(m.Pix), need)
	}
	return nil
}

// RGB returns m as the kernels package's image type (no copy).
func (m Image) RGB() kernels.RGB {
	return kernels.RGB{Pix: m.Pix, Width: m.Width, Height: m.Height, Stride: m.Stride}
}
