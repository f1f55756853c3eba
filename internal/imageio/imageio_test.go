package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/internal/devdata"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// pattern is a small test picture: a colour ramp, distinct per pixel.
func pattern(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(20 * x), uint8(30 * y), uint8(7*x + 11*y), 255})
		}
	}
	return m
}

func encode(t *testing.T, name string, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch name {
	case "png":
		err = png.Encode(&b, m)
	case "jpeg":
		err = jpeg.Encode(&b, m, &jpeg.Options{Quality: 100})
	case "gif":
		err = gif.Encode(&b, m, nil)
	case "bmp":
		err = bmp.Encode(&b, m)
	case "tiff":
		err = tiff.Encode(&b, m, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// maxDiff returns the largest channel difference between img and m.
func maxDiff(img Image, m image.Image) int {
	d := 0
	for y := range img.Height {
		for x := range img.Width {
			r, g, b, _ := m.At(x, y).RGBA()
			p := img.Pix[y*img.Stride+3*x:]
			for c, v := range []uint32{r >> 8, g >> 8, b >> 8} {
				d = max(d, int(math.Abs(float64(int(p[c])-int(v)))))
			}
		}
	}
	return d
}

func TestFormats(t *testing.T) {
	src := pattern(9, 7)
	for _, tc := range []struct {
		name string
		tol  int
	}{{"png", 0}, {"bmp", 0}, {"tiff", 0}, {"jpeg", 24}, {"gif", 64}} {
		data := encode(t, tc.name, src)
		img, info, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if info.Format != tc.name || info.Orientation != 1 || img.Width != 9 || img.Height != 7 || img.Stride != 27 || len(img.Pix) != 27*7 {
			t.Errorf("%s: %+v %dx%d stride %d", tc.name, info, img.Width, img.Height, img.Stride)
		}
		if d := maxDiff(img, src); d > tc.tol {
			t.Errorf("%s: pixels differ by up to %d", tc.name, d)
		}
	}
}

func TestPNM(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		format     string
		want       []byte
	}{
		{"P5", "P5\n# comment\n2 1\n255\n\x10\xf0", "pgm", []byte{16, 16, 16, 240, 240, 240}},
		{"P2", "P2 2 1 15 0 15", "pgm", []byte{0, 0, 0, 255, 255, 255}},
		{"P6", "P6 1 1 255\n\x01\x02\x03", "ppm", []byte{1, 2, 3}},
		{"P3", "P3\n1 1\n# c\n65535\n65535 0 32768", "ppm", []byte{255, 0, 128}},
		{"P5-16", "P5 1 1 65535\n\xff\xff", "pgm", []byte{255, 255, 255}},
	} {
		img, info, err := Decode([]byte(tc.data))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if info.Format != tc.format || !bytes.Equal(img.Pix, tc.want) {
			t.Errorf("%s: %s %v, want %s %v", tc.name, info.Format, img.Pix, tc.format, tc.want)
		}
	}
}

func TestTransparentOverWhite(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	m.SetNRGBA(0, 0, color.NRGBA{0, 0, 0, 0})
	m.SetNRGBA(1, 0, color.NRGBA{0, 0, 0, 255})
	img, _, err := Decode(encode(t, "png", m))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img.Pix, []byte{255, 255, 255, 0, 0, 0}) {
		t.Errorf("got %v", img.Pix)
	}
}

// jpegWithOrientation returns a JPEG of m carrying EXIF orientation o, in
// byte order bo ("II" or "MM").
func jpegWithOrientation(t *testing.T, m image.Image, o int, bo string) []byte {
	data := encode(t, "jpeg", m)
	var tiffb []byte
	if bo == "II" {
		tiffb = []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, byte(o), 0, 0, 0, 0, 0, 0, 0}
	} else {
		tiffb = []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0}
	}
	seg := append([]byte("Exif\x00\x00"), tiffb...)
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out := append([]byte{}, data[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, data[2:]...)
}

func TestOrientation(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 3, 2)) // values 0..5, row-major
	for i := range src.Pix {
		src.Pix[i] = uint8(40 * i)
	}
	// The upright image each orientation's stored pixels show.
	for o := 1; o <= 8; o++ {
		for _, bo := range []string{"II", "MM"} {
			data := jpegWithOrientation(t, src, o, bo)
			if got := Orientation(data); got != o {
				t.Errorf("o=%d %s: Orientation %d", o, bo, got)
			}
			img, info, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if info.Orientation != o || info.StoredWidth != 3 || info.StoredHeight != 2 {
				t.Errorf("o=%d: %+v", o, info)
			}
			// Orient back: applying the inverse transform gives the
			// stored pixels.
			inv := map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}[o]
			back := Orient(img, inv)
			if back.Width != 3 || back.Height != 2 || maxDiff(back, src) > 8 {
				t.Errorf("o=%d %s: round trip differs (%dx%d)", o, bo, back.Width, back.Height)
			}
		}
	}
	if got := Orientation([]byte("not an image")); got != 1 {
		t.Errorf("text: %d", got)
	}
}

func TestBadInput(t *testing.T) {
	good := encode(t, "png", pattern(8, 8))
	jpg := encode(t, "jpeg", pattern(32, 32))
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"text", []byte("hello, world\n"), ErrFormat},
		{"P5 text", []byte("P5ychology notes"), ErrFormat},
		{"truncated png", good[:len(good)/2], ErrCorrupt},
		{"truncated jpeg", jpg[:len(jpg)/2], ErrCorrupt},
		{"png header only", good[:20], ErrCorrupt},
		{"huge pgm", []byte("P5 20001 2 255\n"), ErrTooLarge},
		{"huge area", []byte("P5 20000 20000 255\n"), ErrTooLarge},
		{"truncated pgm", []byte("P5 4 4 255\n\x00\x01"), ErrCorrupt},
		{"bad pgm", []byte("P5 4 x 255\n"), ErrCorrupt},
		{"webp header", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), ErrCorrupt},
		{"gif header", []byte("GIF89a\x01"), ErrCorrupt},
	} {
		_, _, err := Decode(tc.data)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, _, err := DecodeFile(t.TempDir()); !errors.Is(err, ErrFormat) {
		t.Errorf("directory: %v", err)
	}
	if _, _, err := DecodeFile(filepath.Join(t.TempDir(), "missing.jpg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestDevPhotos decodes the dev photos' special cases: the EXIF-orientation
// copies (each must match its upright original), the WebP named .jpg, the
// grayscale and RGBA PNGs, the ORL PGMs.
func TestDevPhotos(t *testing.T) {
	dir := devdata.Dir(t)
	copies, _ := filepath.Glob(filepath.Join(dir, "hard", "exif_orientation", "*_orient*.jpg"))
	if len(copies) < 7 {
		t.Fatalf("%d EXIF copies, want 7", len(copies))
	}
	seen := map[int]bool{}
	for _, c := range copies {
		// Angelina_Jolie_img1_orient6.jpg -> identity/deepface/Angelina_Jolie/img1.jpg
		base := strings.TrimSuffix(filepath.Base(c), ".jpg")
		i := strings.LastIndex(base, "_orient")
		o := int(base[i+len("_orient")] - '0')
		j := strings.LastIndex(base[:i], "_")
		orig := filepath.Join(dir, "identity", "deepface", base[:j], base[j+1:i]+".jpg")
		want, _, err := DecodeFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		got, info, err := DecodeFile(c)
		if err != nil {
			t.Fatal(err)
		}
		seen[info.Orientation] = true
		if info.Orientation != o {
			t.Errorf("%s: orientation %d, want %d", c, info.Orientation, o)
		}
		if got.Width != want.Width || got.Height != want.Height {
			t.Errorf("%s: %dx%d, original %dx%d", c, got.Width, got.Height, want.Width, want.Height)
			continue
		}
		// The copy was re-encoded: compare the mean difference.
		var sum float64
		for k := range got.Pix {
			sum += math.Abs(float64(got.Pix[k]) - float64(want.Pix[k]))
		}
		if mean := sum / float64(len(got.Pix)); mean > 8 {
			t.Errorf("%s: mean difference %.1f from the original", c, mean)
		}
	}
	if len(seen) != 7 {
		t.Errorf("orientations seen: %v", seen)
	}

	for file, format := range map[string]string{
		"identity/deepface/Scarlett_Johansson/img47.jpg": "webp",
		"identity/faceapi/bbt_amy/amy1.png":              "png",
	} {
		img, info, err := DecodeFile(filepath.Join(dir, file))
		if err != nil || info.Format != format || img.Width < 32 {
			t.Errorf("%s: %v %+v", file, err, info)
		}
	}
	pgms, _ := filepath.Glob(filepath.Join(dir, "identity", "*", "*", "*.pgm"))
	if len(pgms) == 0 {
		t.Fatal("no PGM photos")
	}
	img, info, err := DecodeFile(pgms[0])
	if err != nil || info.Format != "pgm" || img.Width != 92 || img.Height != 112 {
		t.Errorf("%s: %v %+v %dx%d", pgms[0], err, info, img.Width, img.Height)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("P5 2 2 255\n\x00\x01\x02\x03"))
	f.Add([]byte("P3 1 1 255 1 2 3"))
	var b bytes.Buffer
	png.Encode(&b, pattern(4, 3))
	f.Add(b.Bytes())
	b.Reset()
	jpeg.Encode(&b, pattern(8, 8), nil)
	f.Add(b.Bytes())
	b.Reset()
	gif.Encode(&b, pattern(4, 4), nil)
	f.Add(b.Bytes())
	b.Reset()
	bmp.Encode(&b, pattern(3, 3))
	f.Add(b.Bytes())
	b.Reset()
	tiff.Encode(&b, pattern(3, 3), nil)
	f.Add(b.Bytes())
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, info, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if img.Width < 1 || img.Height < 1 || img.Stride != 3*img.Width || len(img.Pix) != img.Stride*img.Height {
			t.Fatalf("bad image %dx%d stride %d len %d", img.Width, img.Height, img.Stride, len(img.Pix))
		}
		if info.Orientation < 1 || info.Orientation > 8 {
			t.Fatalf("orientation %d", info.Orientation)
		}
		_ = fmt.Sprint(info)
	})
}

func TestYCbCr(t *testing.T) {
	for y := 0; y < 256; y++ {
		for cb := 0; cb < 256; cb += 3 {
			for cr := 0; cr < 256; cr += 5 {
				r, g, b := ycc(uint8(y), uint8(cb), uint8(cr))
				wr, wg, wb := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				for _, d := range []int{int(r) - int(wr), int(g) - int(wg), int(b) - int(wb)} {
					if d < -1 || d > 1 {
						t.Fatalf("ycc(%d,%d,%d) = %d,%d,%d, want %d,%d,%d", y, cb, cr, r, g, b, wr, wg, wb)
					}
				}
			}
		}
	}
	// Every subsampling ratio, against image.YCbCr.At.
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		m := image.NewYCbCr(image.Rect(0, 0, 13, 7), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(i * 7)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(i*29), uint8(255-i*13)
		}
		if d := maxDiff(toRGB(m), m); d > 1 {
			t.Errorf("%v: differs by %d", ratio, d)
		}
	}
}
