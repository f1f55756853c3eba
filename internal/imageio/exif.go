package imageio

import (
	"bytes"
	"encoding/binary"
)

// Orientation returns the EXIF Orientation tag (0x0112) of an image file,
// 1..8, or 1 if the file has none (or a damaged one). It reads the tag from
// a JPEG's APP1 "Exif" segment, a TIFF's first IFD, a PNG's eXIf chunk or a
// WebP's EXIF chunk; other formats have no EXIF and give 1.
func Orientation(data []byte) int {
	var o int
	var ok bool
	switch f, _ := sniff(data); f.name {
	case "jpeg":
		o, ok = jpegOrientation(data)
	case "tiff":
		o, ok = tiffOrientation(data)
	case "png":
		o, ok = pngOrientation(data)
	case "webp":
		o, ok = webpOrientation(data)
	}
	if !ok {
		return 1
	}
	return o
}

// jpegOrientation walks the JPEG's marker segments up to the start of scan
// and reads the first APP1 segment holding EXIF.
func jpegOrientation(data []byte) (int, bool) {
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 0, false
		}
		marker := data[p+1]
		switch {
		case marker == 0xFF: // fill byte
			p++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7: // no length
			p += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return 0, false
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 0, false
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 0, false
}

// tiffOrientation reads the Orientation entry of the first IFD of a TIFF
// structure (a TIFF file, or an EXIF block).
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
	ifd := uint64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > uint64(len(t)) {
		return 0, false
	}
	n := uint64(bo.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > uint64(len(t)) {
			return 0, false
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// Type SHORT (3), count 1: the value sits in the entry's first two
		// bytes of its value field. Some writers use LONG (4).
		var o uint32
		switch bo.Uint16(t[e+2:]) {
		case 3:
			o = uint32(bo.Uint16(t[e+8:]))
		case 4:
			o = bo.Uint32(t[e+8:])
		default:
			return 0, false
		}
		return int(o), o >= 1 && o <= 8
	}
	return 0, false
}

// pngOrientation reads the eXIf chunk (PNG 1.5 extension) if it comes
// before the image data.
func pngOrientation(data []byte) (int, bool) {
	p := 8
	for p+12 <= len(data) {
		n := uint64(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		end := uint64(p) + 12 + n
		if end > uint64(len(data)) {
			return 0, false
		}
		switch typ {
		case "eXIf":
			return tiffOrientation(data[p+8 : p+8+int(n)])
		case "IDAT", "IEND":
			return 0, false
		}
		p = int(end)
	}
	return 0, false
}

// webpOrientation reads the EXIF chunk of an extended (VP8X) WebP.
func webpOrientation(data []byte) (int, bool) {
	p := 12
	for p+8 <= len(data) {
		typ := string(data[p : p+4])
		n := uint64(binary.LittleEndian.Uint32(data[p+4:]))
		if uint64(p)+8+n > uint64(len(data)) {
			return 0, false
		}
		if typ == "EXIF" {
			chunk := data[p+8 : p+8+int(n)]
			// Some writers keep JPEG's "Exif\0\0" prefix.
			chunk = bytes.TrimPrefix(chunk, []byte("Exif\x00\x00"))
			return tiffOrientation(chunk)
		}
		p += 8 + int(n+n&1) // chunks are padded to even sizes
	}
	return 0, false
}
