package sdk

import (
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestImageValidate(t *testing.T) {
	ok := []Image{
		{Width: 1, Height: 1, Stride: 3, Pix: make([]uint8, 3)},
		{Width: 2, Height: 2, Stride: 7, Pix: make([]uint8, 13)}, // last row unpadded
		{Width: MaxImageSide, Height: 1, Stride: 3 * MaxImageSide, Pix: make([]uint8, 3*MaxImageSide)},
	}
	for i, m := range ok {
		if err := m.Validate(); err != nil {
			t.Errorf("ok %d: %v", i, err)
		}
	}
	bad := []Image{
		{},
		{Width: 0, Height: 5, Stride: 3, Pix: make([]uint8, 15)},
		{Width: -1, Height: 5, Stride: 3, Pix: make([]uint8, 15)},
		{Width: 5, Height: -5, Stride: 15, Pix: make([]uint8, 75)},
		{Width: 2, Height: 2, Stride: 5, Pix: make([]uint8, 12)},       // stride shorter than a row
		{Width: 2, Height: 2, Stride: 6, Pix: make([]uint8, 11)},       // buffer too short
		{Width: 2, Height: 2, Stride: 7, Pix: make([]uint8, 12)},       // too short for the padding
		{Width: 2, Height: 3, Stride: 1 << 62, Pix: make([]uint8, 64)}, // overflowing stride
		{Width: 1, Height: 2, Stride: -3, Pix: make([]uint8, 6)},
		{Width: MaxImageSide + 1, Height: 1, Stride: 3 * (MaxImageSide + 1)},
		{Width: 12000, Height: 12000, Stride: 36000}, // 144 MP
	}
	for i, m := range bad {
		if err := m.Validate(); !errors.Is(err, ErrInvalidImage) {
			t.Errorf("bad %d (%dx%d stride %d, %d bytes): %v", i, m.Width, m.Height, m.Stride, len(m.Pix), err)
		}
	}
}

// Oversized images are refused before any pixel memory is allocated.
func TestImageLimitsAllocateNothing(t *testing.T) {
	huge := &image.RGBA{Rect: image.Rect(0, 0, 15000, 15000)} // 225 MP, no pixels
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 10; i++ {
		if _, err := FromImage(huge); !errors.Is(err, ErrInvalidImage) {
			t.Fatalf("FromImage(225 MP): %v", err)
		}
		if _, err := NewImage(30000, 2); !errors.Is(err, ErrInvalidImage) {
			t.Fatalf("NewImage(30000, 2): %v", err)
		}
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
		t.Errorf("refusing oversized images allocated %d bytes", d)
	}
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = uint8(r.IntN(256))
	}
	return b
}

func TestFromImage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	rect := image.Rect(3, 5, 3+13, 5+7)
	check := func(name string, src image.Image, tol int) {
		t.Helper()
		got, err := FromImage(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b := src.Bounds()
		if err := got.Validate(); err != nil || got.Width != b.Dx() || got.Height != b.Dy() {
			t.Fatalf("%s: %v, %dx%d", name, err, got.Width, got.Height)
		}
		want, _ := NewImage(b.Dx(), b.Dy())
		fromGeneric(want, src, src.Bounds())
		for i := range got.Pix {
			if d := int(got.Pix[i]) - int(want.Pix[i]); d > tol || d < -tol {
				t.Fatalf("%s: byte %d is %d, want %d", name, i, got.Pix[i], want.Pix[i])
			}
		}
	}
	rgba := image.NewRGBA(rect)
	for i := 0; i < len(rgba.Pix); i += 4 { // valid premultiplied colours
		a := uint8(r.IntN(256))
		rgba.Pix[i+3] = a
		for c := 0; c < 3; c++ {
			rgba.Pix[i+c] = uint8(r.IntN(int(a) + 1))
		}
	}
	check("RGBA", rgba, 0)
	check("RGBA sub-image", rgba.SubImage(image.Rect(4, 6, 14, 11)), 0)
	nrgba := image.NewNRGBA(rect)
	copy(nrgba.Pix, randomBytes(r, len(nrgba.Pix)))
	check("NRGBA", nrgba, 1)
	gray := image.NewGray(rect)
	copy(gray.Pix, randomBytes(r, len(gray.Pix)))
	check("Gray", gray, 0)
	gray16 := image.NewGray16(rect)
	copy(gray16.Pix, randomBytes(r, len(gray16.Pix)))
	check("Gray16 (generic)", gray16, 0)
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		y := image.NewYCbCr(rect, ratio)
		copy(y.Y, randomBytes(r, len(y.Y)))
		copy(y.Cb, randomBytes(r, len(y.Cb)))
		copy(y.Cr, randomBytes(r, len(y.Cr)))
		got, err := FromImage(y)
		if err != nil {
			t.Fatal(err)
		}
		for py := 0; py < 7; py++ {
			for px := 0; px < 13; px++ {
				c := y.YCbCrAt(3+px, 5+py)
				rr, gg, bb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
				if g := got.At(px, py); g.R != rr || g.G != gg || g.B != bb {
					t.Fatalf("YCbCr %v at (%d,%d): %v, want %d %d %d", ratio, px, py, g, rr, gg, bb)
				}
			}
		}
	}
	// Transparent is white; opaque is itself.
	n := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	n.Pix = []uint8{10, 20, 30, 0, 10, 20, 30, 255}
	got, _ := FromImage(n)
	if got.At(0, 0) != (color.RGBA{255, 255, 255, 255}) || got.At(1, 0) != (color.RGBA{10, 20, 30, 255}) {
		t.Errorf("alpha over white: %v %v", got.At(0, 0), got.At(1, 0))
	}
	// Malformed images are errors, not panics.
	for name, src := range map[string]image.Image{
		"short RGBA":  &image.RGBA{Rect: image.Rect(0, 0, 10, 10), Stride: 40, Pix: make([]uint8, 100)},
		"nil RGBA":    (*image.RGBA)(nil),
		"short YCbCr": &image.YCbCr{Rect: image.Rect(0, 0, 10, 10), YStride: 10, CStride: 10},
		"empty":       image.NewRGBA(image.Rect(0, 0, 0, 5)),
	} {
		if _, err := FromImage(src); !errors.Is(err, ErrInvalidImage) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := FromImage(nil); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("nil: %v", err)
	}
}
