package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strconv"

	"github.com/facecluster/facecluster/detect"
	_ "golang.org/x/image/webp"
)

func init() {
	image.RegisterFormat("pgm", "P5", decodePGM, decodePGMConfig)
	image.RegisterFormat("pgm", "P2", decodePGM, decodePGMConfig)
}

// loadPhoto decodes a JPEG, PNG, WebP or PGM file (sniffed, whatever its
// extension), applies its EXIF orientation, and returns it as 8-bit RGB.
func loadPhoto(path string) (detect.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return detect.Image{}, err
	}
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return detect.Image{}, fmt.Errorf("%s: %w", path, err)
	}
	return orient(toRGB(m), exifOrientation(data)), nil
}

// toRGB converts any image to packed 8-bit RGB (alpha composited on black,
// as the premultiplied RGBA conversion does).
func toRGB(m image.Image) detect.Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	img := detect.Image{Width: w, Height: h, Stride: 3 * w, Pix: make([]byte, 3*w*h)}
	switch s := m.(type) {
	case *image.Gray:
		for y := range h {
			for x := range w {
				v := s.Pix[y*s.Stride+x]
				copy(img.Pix[y*img.Stride+3*x:][:3], []byte{v, v, v})
			}
		}
		return img
	case *image.YCbCr, *image.NRGBA, *image.RGBA, *image.Paletted, *image.CMYK, *image.Gray16, *image.RGBA64, *image.NRGBA64:
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(rgba, rgba.Rect, m, b.Min, draw.Src)
	for y := range h {
		for x := range w {
			copy(img.Pix[y*img.Stride+3*x:][:3], rgba.Pix[y*rgba.Stride+4*x:][:3])
		}
	}
	return img
}

// orient applies EXIF orientation o (1..8) to img.
func orient(img detect.Image, o int) detect.Image {
	if o < 2 || o > 8 {
		return img
	}
	W, H := img.Width, img.Height
	ow, oh := W, H
	if o >= 5 {
		ow, oh = H, W
	}
	out := detect.Image{Width: ow, Height: oh, Stride: 3 * ow, Pix: make([]byte, 3*ow*oh)}
	for y := range oh {
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
			copy(out.Pix[y*out.Stride+3*x:][:3], img.Pix[sy*img.Stride+3*sx:][:3])
		}
	}
	return out
}

// exifOrientation returns the Orientation tag (0x0112) of a JPEG's EXIF
// block, or 1 if there is none or the file is not a JPEG.
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(data) && data[p] == 0xFF {
		marker := data[p+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			break
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			break
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			if o, ok := tiffOrientation(seg[6:]); ok {
				return o
			}
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation reads the Orientation entry of IFD0 of a TIFF header.
func tiffOrientation(t []byte) (int, bool) {
	if len(t) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0, false
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0, false
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 0, false
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			o := int(bo.Uint16(t[e+8:]))
			return o, o >= 1 && o <= 8
		}
	}
	return 0, false
}

// PGM (Netpbm graymap), binary P5 and plain P2, maxval up to 65535.

func pgmHeader(r *bufio.Reader) (plain bool, w, h, maxval int, err error) {
	magic := make([]byte, 2)
	if _, err = io.ReadFull(r, magic); err != nil {
		return
	}
	switch string(magic) {
	case "P5":
	case "P2":
		plain = true
	default:
		return false, 0, 0, 0, errors.New("pgm: bad magic")
	}
	var vals [3]int
	for i := range vals {
		if vals[i], err = pgmInt(r); err != nil {
			return
		}
	}
	w, h, maxval = vals[0], vals[1], vals[2]
	if w < 1 || h < 1 || w > detect.MaxSide || h > detect.MaxSide || maxval < 1 || maxval > 65535 {
		return false, 0, 0, 0, fmt.Errorf("pgm: bad header %dx%d max %d", w, h, maxval)
	}
	if !plain { // exactly one whitespace byte before the raster
		_, err = r.ReadByte()
	}
	return
}

// pgmInt reads a decimal number, skipping whitespace and # comments. It
// leaves the byte after the number unread.
func pgmInt(r *bufio.Reader) (int, error) {
	var digits []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && len(digits) > 0 {
				break
			}
			return 0, err
		}
		switch {
		case c == '#' && len(digits) == 0:
			if _, err := r.ReadString('\n'); err != nil {
				return 0, err
			}
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			if len(digits) > 9 {
				return 0, errors.New("pgm: number too long")
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(digits) > 0 {
				_ = r.UnreadByte()
				return strconv.Atoi(string(digits))
			}
		default:
			return 0, fmt.Errorf("pgm: unexpected byte %q", c)
		}
	}
	return strconv.Atoi(string(digits))
}

func decodePGMConfig(rd io.Reader) (image.Config, error) {
	_, w, h, _, err := pgmHeader(bufio.NewReader(rd))
	return image.Config{ColorModel: color.GrayModel, Width: w, Height: h}, err
}

func decodePGM(rd io.Reader) (image.Image, error) {
	r := bufio.NewReader(rd)
	plain, w, h, maxval, err := pgmHeader(r)
	if err != nil {
		return nil, err
	}
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		var v int
		switch {
		case plain:
			v, err = pgmInt(r)
		case maxval < 256:
			var c byte
			c, err = r.ReadByte()
			v = int(c)
		default:
			var b [2]byte
			_, err = io.ReadFull(r, b[:])
			v = int(b[0])<<8 | int(b[1])
		}
		if err != nil {
			return nil, fmt.Errorf("pgm: pixel %d: %w", i, err)
		}
		m.Pix[i] = byte(min(v, maxval) * 255 / maxval)
	}
	return m, nil
}
