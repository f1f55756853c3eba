// Package imageio decodes photo files into 8-bit RGB for the detector: JPEG,
// PNG, GIF (first frame), BMP, TIFF, WebP (golang.org/x/image) and Netpbm
// PGM/PPM (binary and plain, this package's own decoder). The format is
// sniffed from the first bytes, never taken from the file name, so a WebP
// named .jpg decodes as WebP.
//
// The EXIF Orientation tag is applied (this package's own parser reads it
// from a JPEG's APP1 segment, a TIFF's first IFD, a PNG's eXIf chunk or a
// WebP's EXIF chunk), so the returned image is upright as a photo viewer
// shows it. Transparent pixels are composited over white, as sdk.FromImage
// does.
//
// Hostile input is expected: a corrupt, truncated or non-image file is an
// error (wrapping ErrFormat, ErrCorrupt or ErrTooLarge), never a panic, and
// the image's size is checked from its header against MaxSide and MaxPixels
// before its pixels are allocated.
//
// Image has the layout of detect.Image and sdk.Image field for field, so it
// converts into either by a type conversion (detect.Image(img)) without
// copying the pixels.
package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Size limits, those of detect and sdk: larger images are refused from
// their header, before their pixels are allocated.
const (
	MaxSide   = 20000
	MaxPixels = 100_000_000
)

// MaxFileSize is the largest file DecodeFile reads (256 MiB).
const MaxFileSize = 256 << 20

// Errors. Every error the package returns wraps one of these (or, for
// DecodeFile, the operating system's error).
var (
	// ErrFormat reports data in none of the supported formats (an empty
	// file, a text file...).
	ErrFormat = errors.New("imageio: not an image in a supported format")
	// ErrCorrupt reports an image whose data is damaged or truncated.
	ErrCorrupt = errors.New("imageio: corrupt or truncated image")
	// ErrTooLarge reports an image beyond MaxSide, MaxPixels or
	// MaxFileSize.
	ErrTooLarge = errors.New("imageio: image too large")
)

// Image is a decoded 8-bit RGB image: channel ch (0 red, 1 green, 2 blue) of
// pixel (x, y) is Pix[y*Stride+3*x+ch]. Images this package returns have
// Stride 3*Width.
type Image struct {
	Width, Height int
	Stride        int
	Pix           []byte
}

// Info describes a decoded file.
type Info struct {
	// Format is "jpeg", "png", "gif", "bmp", "tiff", "webp", "pgm" or
	// "ppm".
	Format string
	// Orientation is the EXIF orientation applied (1..8; 1 when the file
	// has none).
	Orientation int
	// StoredWidth and StoredHeight are the size as stored, before the
	// orientation was applied (they are swapped in the Image for
	// orientations 5 to 8).
	StoredWidth, StoredHeight int
}

type format struct {
	name   string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var (
	fmtJPEG = format{"jpeg", jpeg.DecodeConfig, jpeg.Decode}
	fmtPNG  = format{"png", png.DecodeConfig, png.Decode}
	fmtGIF  = format{"gif", gif.DecodeConfig, gif.Decode}
	fmtBMP  = format{"bmp", bmp.DecodeConfig, bmp.Decode}
	fmtTIFF = format{"tiff", tiff.DecodeConfig, tiff.Decode}
	fmtWebP = format{"webp", webp.DecodeConfig, webp.Decode}
	fmtPGM  = format{"pgm", decodePNMConfig, decodePNM}
	fmtPPM  = format{"ppm", decodePNMConfig, decodePNM}
)

// sniff returns the format of data from its first bytes.
func sniff(data []byte) (format, bool) {
	has := func(prefix string) bool { return bytes.HasPrefix(data, []byte(prefix)) }
	switch {
	case has("\xff\xd8\xff"):
		return fmtJPEG, true
	case has("\x89PNG\r\n\x1a\n"):
		return fmtPNG, true
	case has("GIF87a"), has("GIF89a"):
		return fmtGIF, true
	case has("BM") && len(data) >= 26:
		return fmtBMP, true
	case has("II*\x00"), has("MM\x00*"):
		return fmtTIFF, true
	case len(data) >= 12 && has("RIFF") && string(data[8:12]) == "WEBP":
		return fmtWebP, true
	case has("P2"), has("P5"):
		return fmtPGM, pnmSpace(data)
	case has("P3"), has("P6"):
		return fmtPPM, pnmSpace(data)
	}
	return format{}, false
}

// pnmSpace reports whether a Netpbm magic number is followed by whitespace
// (or a comment), so that text starting "P5" is not taken for an image.
func pnmSpace(data []byte) bool {
	return len(data) > 2 && (isSpace(data[2]) || data[2] == '#')
}

// DecodeFile reads and decodes the file at path (see Decode).
func DecodeFile(path string) (Image, Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Image{}, Info{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Image{}, Info{}, err
	}
	if !st.Mode().IsRegular() {
		return Image{}, Info{}, fmt.Errorf("%w: %s is not a regular file", ErrFormat, path)
	}
	if st.Size() > MaxFileSize {
		return Image{}, Info{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, st.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Image{}, Info{}, err
	}
	return Decode(data)
}

// Decode decodes an image file's bytes into upright 8-bit RGB: the format
// sniffed, the size checked from the header, the pixels decoded and
// converted, the EXIF orientation applied. It never panics.
func Decode(data []byte) (img Image, info Info, err error) {
	f, ok := sniff(data)
	if !ok {
		return Image{}, Info{}, fmt.Errorf("%w (%s)", ErrFormat, describe(data))
	}
	info.Format = f.name
	defer func() {
		if r := recover(); r != nil {
			img, err = Image{}, fmt.Errorf("%w: %s decoder failed: %v", ErrCorrupt, f.name, r)
		}
	}()
	cfg, err := f.config(bytes.NewReader(data))
	if err != nil {
		return Image{}, info, fmt.Errorf("%w: %s header: %v", ErrCorrupt, f.name, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return Image{}, info, err
	}
	m, err := f.decode(bytes.NewReader(data))
	if err != nil {
		return Image{}, info, fmt.Errorf("%w: %s: %v", ErrCorrupt, f.name, err)
	}
	b := m.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		// A decoder whose pixels disagree with its header: refuse rather
		// than trust either.
		if err := checkSize(b.Dx(), b.Dy()); err != nil {
			return Image{}, info, err
		}
	}
	img = toRGB(m)
	info.StoredWidth, info.StoredHeight = img.Width, img.Height
	info.Orientation = Orientation(data)
	return Orient(img, info.Orientation), info, nil
}

func checkSize(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("%w: empty image %dx%d", ErrCorrupt, w, h)
	case w > MaxSide || h > MaxSide:
		return fmt.Errorf("%w: %dx%d exceeds %d pixels a side", ErrTooLarge, w, h, MaxSide)
	case w*h > MaxPixels:
		return fmt.Errorf("%w: %dx%d exceeds %d pixels", ErrTooLarge, w, h, MaxPixels)
	}
	return nil
}

// describe names what data looks like, for the error about an unknown
// format.
func describe(data []byte) string {
	if len(data) == 0 {
		return "empty file"
	}
	n := min(len(data), 512)
	text := true
	for _, c := range data[:n] {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			text = false
			break
		}
	}
	if text {
		return "text"
	}
	return fmt.Sprintf("unknown format, starts % x", data[:min(n, 4)])
}

// toRGB converts m to packed RGB, transparent pixels over white.
func toRGB(m image.Image) Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := Image{Width: w, Height: h, Stride: 3 * w, Pix: make([]byte, 3*w*h)}
	switch s := m.(type) {
	case *image.YCbCr:
		fromYCbCr(out, s)
	case *image.Gray:
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			dst := out.Pix[y*out.Stride:][:3*w]
			for x, g := range row {
				dst[3*x], dst[3*x+1], dst[3*x+2] = g, g, g
			}
		}
	case *image.NRGBA:
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			dst := out.Pix[y*out.Stride:][:3*w]
			for x := range w {
				p := row[4*x : 4*x+4]
				a := uint32(p[3])
				if a == 255 {
					dst[3*x], dst[3*x+1], dst[3*x+2] = p[0], p[1], p[2]
					continue
				}
				wh := 255 * (255 - a)
				dst[3*x] = uint8((uint32(p[0])*a + wh + 127) / 255)
				dst[3*x+1] = uint8((uint32(p[1])*a + wh + 127) / 255)
				dst[3*x+2] = uint8((uint32(p[2])*a + wh + 127) / 255)
			}
		}
	case *image.RGBA:
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			dst := out.Pix[y*out.Stride:][:3*w]
			for x := range w {
				p := row[4*x : 4*x+4]
				wh := 255 - uint16(p[3])
				dst[3*x] = uint8(min(uint16(p[0])+wh, 255))
				dst[3*x+1] = uint8(min(uint16(p[1])+wh, 255))
				dst[3*x+2] = uint8(min(uint16(p[2])+wh, 255))
			}
		}
	default:
		for y := range h {
			dst := out.Pix[y*out.Stride:][:3*w]
			for x := range w {
				r, g, bl, a := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
				wh := 0xffff - a
				dst[3*x], dst[3*x+1], dst[3*x+2] = to8(r+wh), to8(g+wh), to8(bl+wh)
			}
		}
	}
	return out
}

func to8(v uint32) uint8 {
	v = min(v, 0xffff)
	return uint8((v*255 + 32767) / 65535)
}

// fromYCbCr converts a JPEG's (or WebP's) YCbCr planes, the common case,
// a row at a time without an interface call per pixel (JFIF full-range
// BT.601 in 16-bit fixed point, within 1 of color.YCbCrToRGB).
func fromYCbCr(out Image, s *image.YCbCr) {
	b := s.Rect
	// Horizontal chroma subsampling shift (COffset gives each row's
	// start).
	hs := 0
	switch s.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		hs = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		hs = 2
	}
	cx0 := b.Min.X >> hs
	for y := range out.Height {
		yrow := s.Y[s.YOffset(b.Min.X, b.Min.Y+y):][:out.Width]
		ci := s.COffset(b.Min.X, b.Min.Y+y)
		cb, cr := s.Cb[ci:], s.Cr[ci:]
		dst := out.Pix[y*out.Stride:][:3*out.Width]
		for x, yy := range yrow {
			c := (b.Min.X+x)>>hs - cx0
			d := dst[3*x : 3*x+3 : 3*x+3]
			d[0], d[1], d[2] = ycc(yy, cb[c], cr[c])
		}
	}
}

// ycc converts one full-range YCbCr pixel to RGB:
// R = Y + 1.402 Cr', G = Y - 0.344136 Cb' - 0.714136 Cr', B = Y + 1.772 Cb'
// (Cb' = Cb - 128, Cr' = Cr - 128), rounded and clamped.
func ycc(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := int32(y)<<16 + 1<<15
	u, v := int32(cb)-128, int32(cr)-128
	r := (yy + 91881*v) >> 16
	g := (yy - 22554*u - 46802*v) >> 16
	bl := (yy + 116130*u) >> 16
	return clamp8(r), clamp8(g), clamp8(bl)
}

func clamp8(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// Orient returns img turned upright for EXIF orientation o (1..8: 2 mirror
// left-right, 3 turn 180 degrees, 4 mirror top-bottom, 5 transpose, 6 turn
// 90 degrees clockwise, 7 transverse, 8 turn 90 degrees anticlockwise).
// Orientation 1, or a value outside 1..8, returns img itself.
func Orient(img Image, o int) Image {
	if o < 2 || o > 8 {
		return img
	}
	W, H := img.Width, img.Height
	ow, oh := W, H
	if o >= 5 {
		ow, oh = H, W
	}
	out := Image{Width: ow, Height: oh, Stride: 3 * ow, Pix: make([]byte, 3*ow*oh)}
	for y := range oh {
		dst := out.Pix[y*out.Stride:][:3*ow]
		for x := range ow {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = W-1-x, y
			case 3:
				sx, sy = W-1-x, H-1-y
			case 4:
				sx, sy = x, H-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, H-1-x
			case 7:
				sx, sy = W-1-y, H-1-x
			case 8:
				sx, sy = W-1-y, x
			}
			i := sy*img.Stride + 3*sx
			dst[3*x], dst[3*x+1], dst[3*x+2] = img.Pix[i], img.Pix[i+1], img.Pix[i+2]
		}
	}
	return out
}
