package main

import (
	"encoding/gob"
	"fmt"
	"os"
)

// cached is what -features keeps of a photo: enough to rerun the
// verification and clustering sections without detecting and extracting
// again. The cache holds features of the dev photos' faces: keep it out of
// the repository (it is as personal as the photos).
type cached struct {
	File, ID, Slice string
	Faces           int
	Quality         float32
	Feat            map[string][]float32
}

func saveFeatures(path string, photos []*photo) error {
	out := make([]cached, len(photos))
	for i, p := range photos {
		out[i] = cached{p.file, p.id, p.slice, p.faces, p.quality, p.feat}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(f).Encode(out); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func loadFeatures(path string) ([]*photo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var in []cached
	if err := gob.NewDecoder(f).Decode(&in); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	photos := make([]*photo, len(in))
	for i, c := range in {
		photos[i] = &photo{file: c.File, id: c.ID, slice: c.Slice, faces: c.Faces, quality: c.Quality, feat: c.Feat}
	}
	return photos, nil
}
