package detect

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strings"
	"testing"
)

// readCSV returns the rows of a CSV file after its header.
func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// loadImage decodes a JPEG or PNG file (no EXIF handling) into an Image.
func loadImage(t testing.TB, path string) Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	if magic, _ := r.Peek(2); string(magic) == "P5" {
		return readPGM(t, path, r)
	}
	m, _, err := image.Decode(r)
	if err != nil {
		if strings.Contains(err.Error(), "unknown format") { // a WebP named .jpg
			t.Logf("%s: %v: skipped", path, err)
			return Image{}
		}
		t.Fatalf("%s: %v", path, err)
	}
	return fromImage(m)
}

func fromImage(m image.Image) Image {
	b := m.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, m, b.Min, draw.Src)
	img := Image{Width: b.Dx(), Height: b.Dy(), Stride: 3 * b.Dx(), Pix: make([]byte, 3*b.Dx()*b.Dy())}
	for y := range img.Height {
		for x := range img.Width {
			copy(img.Pix[y*img.Stride+3*x:][:3], rgba.Pix[y*rgba.Stride+4*x:][:3])
		}
	}
	return img
}

// readPGM reads a binary 8-bit PGM (the ORL photos) as gray RGB.
func readPGM(t testing.TB, path string, r *bufio.Reader) Image {
	t.Helper()
	// Header: magic, width, height, maxval, with # comments.
	var vals []int
	r.Discard(2)
	for len(vals) < 3 {
		c, err := r.ReadByte()
		if err != nil {
			t.Fatalf("%s: PGM header: %v", path, err)
		}
		switch {
		case c == '#':
			r.ReadString('\n')
		case c >= '0' && c <= '9':
			r.UnreadByte()
			var v int
			if _, err := fmt.Fscan(r, &v); err != nil {
				t.Fatalf("%s: PGM header: %v", path, err)
			}
			vals = append(vals, v)
		}
	}
	w, h, maxval := vals[0], vals[1], vals[2]
	if maxval != 255 || w < 1 || h < 1 || w*h > 1<<24 {
		t.Fatalf("%s: unsupported PGM %dx%d max %d", path, w, h, maxval)
	}
	r.ReadByte() // the single whitespace before the raster
	gray := make([]byte, w*h)
	if _, err := io.ReadFull(r, gray); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	img := Image{Width: w, Height: h, Stride: 3 * w, Pix: make([]byte, 3*w*h)}
	for i, v := range gray {
		img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = v, v, v
	}
	return img
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }
