package embed

import (
	"encoding/binary"

	"github.com/facecluster/facecluster/detect"
)

// EXIF orientation for the tests (the SDK applies it in production).

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
