package sdk

import (
	"fmt"
	"image"
	"image/color"
)

// Size limits of an Image: larger images are refused before anything is
// allocated. 20,000 px a side and 100 megapixels hold every camera photo and
// panorama in common use while bounding the memory one call can take (300 MB
// of RGB at most).
const (
	MaxImageSide   = 20000
	MaxImagePixels = 100_000_000
)

// Image is a decoded photo as the host app hands it over: 8-bit RGB, three
// bytes per pixel (red, green, blue), rows top to bottom. Pixel (x, y) is at
// Pix[y*Stride+3*x : y*Stride+3*x+3]. Stride is the distance in bytes between
// the starts of two rows, at least 3*Width; the last row need not be padded.
//
// The SDK reads an Image and never writes to it or keeps it. Image has the
// layout of detect.Image field for field: either converts into the other by
// a type conversion (detect.Image(img), sdk.Image(d)) that shares Pix.
type Image struct {
	Width, Height int
	Stride        int
	Pix           []uint8
}

// NewImage returns a zeroed (black) Image of the given size with Stride
// 3*width. It validates the size before allocating.
func NewImage(width, height int) (Image, error) {
	if err := checkSize(width, height); err != nil {
		return Image{}, err
	}
	return Image{Width: width, Height: height, Stride: 3 * width, Pix: make([]uint8, 3*width*height)}, nil
}

func checkSize(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("%w: size %dx%d is empty", ErrInvalidImage, w, h)
	case w > MaxImageSide || h > MaxImageSide:
		return fmt.Errorf("%w: size %dx%d exceeds %d px a side", ErrInvalidImage, w, h, MaxImageSide)
	case w*h > MaxImagePixels: // no overflow: both <= 20,000
		return fmt.Errorf("%w: size %dx%d exceeds %d pixels", ErrInvalidImage, w, h, MaxImagePixels)
	}
	return nil
}

// Validate reports, as an error wrapping ErrInvalidImage, whether m is
// unusable: an empty or oversized size (see MaxImageSide, MaxImagePixels), a
// stride shorter than a row, or a pixel buffer too short for the last row.
// Every call that takes an Image validates it first.
func (m Image) Validate() error {
	if err := checkSize(m.Width, m.Height); err != nil {
		return err
	}
	row := 3 * m.Width
	if m.Stride < row {
		return fmt.Errorf("%w: stride %d shorter than a row of %d bytes", ErrInvalidImage, m.Stride, row)
	}
	// Needed: (Height-1)*Stride + row bytes, computed without overflow.
	avail := len(m.Pix) - row
	if avail < 0 || (m.Height > 1 && m.Stride > avail/(m.Height-1)) {
		return fmt.Errorf("%w: %d bytes of pixels are too few for %dx%d with stride %d", ErrInvalidImage, len(m.Pix), m.Width, m.Height, m.Stride)
	}
	return nil
}

// At returns the colour of pixel (x, y), for tests and debugging; it returns
// black outside the image. It is slow: index Pix for real work.
func (m Image) At(x, y int) color.RGBA {
	if x < 0 || y < 0 || x >= m.Width || y >= m.Height {
		return color.RGBA{A: 255}
	}
	i := y*m.Stride + 3*x
	if i < 0 || i+3 > len(m.Pix) {
		return color.RGBA{A: 255}
	}
	return color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], 255}
}

// FromImage converts src to an Image. Transparent pixels are composited over
// white (a photo with an alpha channel is shown on a white page), so a fully
// transparent pixel becomes white. *image.RGBA, *image.NRGBA, *image.YCbCr
// (every subsampling ratio) and *image.Gray are converted directly; other
// types go through color.RGBA64. The size is validated before anything is
// allocated. A malformed src (such as an *image.RGBA whose Pix is shorter
// than its Rect and Stride imply) is an error wrapping ErrInvalidImage, never
// a panic.
func FromImage(src image.Image) (img Image, err error) {
	if src == nil {
		return Image{}, fmt.Errorf("%w: nil image.Image", ErrInvalidImage)
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = Image{}, fmt.Errorf("%w: %T is malformed: %v", ErrInvalidImage, src, r)
		}
	}()
	b := src.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return Image{}, err
	}
	dst, err := NewImage(b.Dx(), b.Dy())
	if err != nil {
		return Image{}, err
	}
	switch s := src.(type) {
	case *image.RGBA:
		fromRGBA(dst, s, b)
	case *image.NRGBA:
		fromNRGBA(dst, s, b)
	case *image.YCbCr:
		fromYCbCr(dst, s, b)
	case *image.Gray:
		fromGray(dst, s, b)
	default:
		fromGeneric(dst, src, b)
	}
	return dst, nil
}

// Premultiplied c over white: c + (255 - a).
func fromRGBA(dst Image, s *image.RGBA, b image.Rectangle) {
	for y := 0; y < dst.Height; y++ {
		si := s.PixOffset(b.Min.X, b.Min.Y+y)
		sp := s.Pix[si : si+4*dst.Width]
		dp := dst.Pix[y*dst.Stride : y*dst.Stride+3*dst.Width]
		for x := 0; x < dst.Width; x++ {
			p := sp[4*x : 4*x+4 : 4*x+4]
			w := 255 - p[3]
			dp[3*x] = sat(p[0], w)
			dp[3*x+1] = sat(p[1], w)
			dp[3*x+2] = sat(p[2], w)
		}
	}
}

// sat adds saturating at 255 (a premultiplied channel above its alpha is
// invalid, but must not wrap).
func sat(c, w uint8) uint8 {
	s := uint16(c) + uint16(w)
	if s > 255 {
		return 255
	}
	return uint8(s)
}

// Straight alpha over white: (c*a + 255*(255-a)) / 255, rounded.
func fromNRGBA(dst Image, s *image.NRGBA, b image.Rectangle) {
	for y := 0; y < dst.Height; y++ {
		si := s.PixOffset(b.Min.X, b.Min.Y+y)
		sp := s.Pix[si : si+4*dst.Width]
		dp := dst.Pix[y*dst.Stride : y*dst.Stride+3*dst.Width]
		for x := 0; x < dst.Width; x++ {
			p := sp[4*x : 4*x+4 : 4*x+4]
			a := uint32(p[3])
			if a == 255 {
				dp[3*x], dp[3*x+1], dp[3*x+2] = p[0], p[1], p[2]
				continue
			}
			w := 255 * (255 - a)
			dp[3*x] = uint8((uint32(p[0])*a + w + 127) / 255)
			dp[3*x+1] = uint8((uint32(p[1])*a + w + 127) / 255)
			dp[3*x+2] = uint8((uint32(p[2])*a + w + 127) / 255)
		}
	}
}

func fromYCbCr(dst Image, s *image.YCbCr, b image.Rectangle) {
	for y := 0; y < dst.Height; y++ {
		dp := dst.Pix[y*dst.Stride : y*dst.Stride+3*dst.Width]
		for x := 0; x < dst.Width; x++ {
			yi := s.YOffset(b.Min.X+x, b.Min.Y+y)
			ci := s.COffset(b.Min.X+x, b.Min.Y+y)
			dp[3*x], dp[3*x+1], dp[3*x+2] = color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
		}
	}
}

func fromGray(dst Image, s *image.Gray, b image.Rectangle) {
	for y := 0; y < dst.Height; y++ {
		si := s.PixOffset(b.Min.X, b.Min.Y+y)
		sp := s.Pix[si : si+dst.Width]
		dp := dst.Pix[y*dst.Stride : y*dst.Stride+3*dst.Width]
		for x, g := range sp {
			dp[3*x], dp[3*x+1], dp[3*x+2] = g, g, g
		}
	}
}

// Premultiplied 16-bit c over white, rounded to 8 bits.
func fromGeneric(dst Image, src image.Image, b image.Rectangle) {
	for y := 0; y < dst.Height; y++ {
		dp := dst.Pix[y*dst.Stride : y*dst.Stride+3*dst.Width]
		for x := 0; x < dst.Width; x++ {
			r, g, bl, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			w := 0xffff - a
			dp[3*x] = to8(r + w)
			dp[3*x+1] = to8(g + w)
			dp[3*x+2] = to8(bl + w)
		}
	}
}

func to8(v uint32) uint8 {
	if v > 0xffff {
		v = 0xffff
	}
	return uint8((v*255 + 32767) / 65535)
}
