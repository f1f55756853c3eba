package imageio

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
)

// Netpbm graymaps (PGM: P2 plain, P5 binary) and pixmaps (PPM: P3 plain, P6
// binary), maxval 1..65535 (two bytes per sample, big-endian, above 255),
// samples scaled to 0..255. Only the first image of a multi-image file is
// read.

type pnmHeader struct {
	plain, color bool
	w, h, maxval int
}

func readPNMHeader(r *bufio.Reader) (pnmHeader, error) {
	var magic [2]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return pnmHeader{}, err
	}
	var h pnmHeader
	switch string(magic[:]) {
	case "P2":
		h.plain = true
	case "P5":
	case "P3":
		h.plain, h.color = true, true
	case "P6":
		h.color = true
	default:
		return pnmHeader{}, errors.New("pnm: bad magic number")
	}
	var vals [3]int
	for i := range vals {
		v, err := pnmInt(r)
		if err != nil {
			return pnmHeader{}, fmt.Errorf("pnm: header: %w", err)
		}
		vals[i] = v
	}
	h.w, h.h, h.maxval = vals[0], vals[1], vals[2]
	if h.maxval < 1 || h.maxval > 65535 {
		return pnmHeader{}, fmt.Errorf("pnm: maxval %d outside 1..65535", h.maxval)
	}
	if !h.plain {
		// Exactly one whitespace byte separates the header from the raster.
		c, err := r.ReadByte()
		if err != nil {
			return pnmHeader{}, fmt.Errorf("pnm: header: %w", err)
		}
		if !isSpace(c) {
			return pnmHeader{}, errors.New("pnm: no whitespace after the header")
		}
	}
	return h, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// pnmInt reads a decimal number, skipping whitespace and comments (# to the
// end of the line); it leaves the byte after the number unread.
func pnmInt(r *bufio.Reader) (int, error) {
	v, digits := 0, 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && digits > 0 {
				return v, nil
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		switch {
		case c >= '0' && c <= '9':
			if digits == 9 {
				return 0, errors.New("number too long")
			}
			v = 10*v + int(c-'0')
			digits++
		case digits > 0:
			if !isSpace(c) && c != '#' {
				return 0, fmt.Errorf("unexpected byte %q after a number", c)
			}
			_ = r.UnreadByte()
			return v, nil
		case c == '#':
			for {
				c, err := r.ReadByte()
				if err != nil {
					return 0, io.ErrUnexpectedEOF
				}
				if c == '\n' || c == '\r' {
					break
				}
			}
		case isSpace(c):
		default:
			return 0, fmt.Errorf("unexpected byte %q", c)
		}
	}
}

func decodePNMConfig(rd io.Reader) (image.Config, error) {
	h, err := readPNMHeader(bufio.NewReader(rd))
	if err != nil {
		return image.Config{}, err
	}
	m := color.Model(color.GrayModel)
	if h.color {
		m = color.RGBAModel
	}
	return image.Config{ColorModel: m, Width: h.w, Height: h.h}, nil
}

func decodePNM(rd io.Reader) (image.Image, error) {
	r := bufio.NewReader(rd)
	h, err := readPNMHeader(r)
	if err != nil {
		return nil, err
	}
	if err := checkSize(h.w, h.h); err != nil {
		return nil, err
	}
	ch := 1
	if h.color {
		ch = 3
	}
	n := h.w * h.h * ch
	samples := make([]byte, n)
	switch {
	case h.plain:
		for i := range samples {
			v, err := pnmInt(r)
			if err != nil {
				return nil, fmt.Errorf("pnm: sample %d of %d: %w", i, n, err)
			}
			samples[i] = scale(v, h.maxval)
		}
	case h.maxval < 256:
		if _, err := io.ReadFull(r, samples); err != nil {
			return nil, fmt.Errorf("pnm: raster: %w", err)
		}
		if h.maxval != 255 {
			for i, v := range samples {
				samples[i] = scale(int(v), h.maxval)
			}
		}
	default:
		var b [2]byte
		for i := range samples {
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return nil, fmt.Errorf("pnm: sample %d of %d: %w", i, n, err)
			}
			samples[i] = scale(int(b[0])<<8|int(b[1]), h.maxval)
		}
	}
	rect := image.Rect(0, 0, h.w, h.h)
	if !h.color {
		return &image.Gray{Pix: samples, Stride: h.w, Rect: rect}, nil
	}
	m := image.NewRGBA(rect)
	for i := range h.w * h.h {
		copy(m.Pix[4*i:4*i+3], samples[3*i:3*i+3])
		m.Pix[4*i+3] = 255
	}
	return m, nil
}

// scale maps sample v of 0..maxval to 0..255, rounded; values above maxval
// (invalid) saturate.
func scale(v, maxval int) byte {
	v = min(v, maxval)
	return byte((v*255 + maxval/2) / maxval)
}
