package main

import (
	"github.com/facecluster/facecluster/detect"
	"github.com/facecluster/facecluster/internal/imageio"
)

// loadPhoto decodes a photo file (JPEG, PNG, GIF, BMP, TIFF, WebP, PGM/PPM,
// sniffed whatever its extension), applies its EXIF orientation, and
// returns it as 8-bit RGB (see internal/imageio).
func loadPhoto(path string) (detect.Image, error) {
	img, _, err := imageio.DecodeFile(path)
	if err != nil {
		return detect.Image{}, err
	}
	return detect.Image(img), nil
}
