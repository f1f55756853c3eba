package sdk_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"

	"github.com/facecluster/facecluster/sdk"
)

// feature returns a made-up unit feature near one of a few directions: in an
// app, features come from sdk.Engine or from the host's own embedder.
func feature(person int, jitter float32) []float32 {
	v := make([]float32, 8)
	v[person] = 1
	v[(person+1)%8] = jitter
	return v
}

func face(person int, jitter float32) sdk.FaceFeature {
	return sdk.FaceFeature{
		Face:    sdk.Face{Box: sdk.Box{X: 10, Y: 10, W: 80, H: 96}, Score: 0.97},
		Feature: sdk.Feature{Model: "host-embedder-v1", Vector: feature(person, jitter), Quality: 0.9},
	}
}

// Example opens an encrypted album, adds photos whose faces were detected
// and described elsewhere, and lists the people found.
func Example() {
	dir, _ := os.MkdirTemp("", "album")
	defer os.RemoveAll(dir)
	key := make([]byte, sdk.KeySize) // in an app: kept in the platform's keystore
	rand.Read(key)

	album, err := sdk.OpenAlbum(filepath.Join(dir, "album.fc"), key, sdk.WithConsent(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer album.Close()
	ctx := context.Background()
	album.AddFeatures(ctx, "beach.jpg", []sdk.FaceFeature{face(0, 0.1), face(1, 0.1)})
	album.AddFeatures(ctx, "party.jpg", []sdk.FaceFeature{face(0, 0.2)})
	album.AddFeatures(ctx, "garden.jpg", []sdk.FaceFeature{face(1, 0.3)})
	album.AddFeatures(ctx, "sunset.jpg", nil) // no faces

	people, _ := album.People()
	for _, p := range people {
		fmt.Println(len(p.Faces), "faces in", p.Photos)
	}
	// Output:
	// 2 faces in [beach.jpg party.jpg]
	// 2 faces in [beach.jpg garden.jpg]
}

// ExampleAlbum_Merge shows the user's corrections: two people merged and
// named, a face rejected. Corrections hold across refines and reopening.
func ExampleAlbum_Merge() {
	dir, _ := os.MkdirTemp("", "album")
	defer os.RemoveAll(dir)
	key := make([]byte, sdk.KeySize)
	rand.Read(key)
	path := filepath.Join(dir, "album.fc")
	album, _ := sdk.OpenAlbum(path, key, sdk.WithConsent(true))
	ctx := context.Background()
	album.AddFeatures(ctx, "a.jpg", []sdk.FaceFeature{face(2, 0)})
	album.AddFeatures(ctx, "b.jpg", []sdk.FaceFeature{face(3, 0)}) // the same person, seen differently
	album.AddFeatures(ctx, "c.jpg", []sdk.FaceFeature{face(2, 0.1)})

	people, _ := album.People()
	fmt.Println(len(people), "people")
	if err := album.Merge(people[0].ID, people[1].ID); err != nil {
		fmt.Println(err)
	}
	album.Name(people[0].ID, "Grandma")
	album.Refine(ctx)
	album.Close()

	album, _ = sdk.OpenAlbum(path, key, sdk.WithConsent(true))
	defer album.Close()
	people, _ = album.People()
	for _, p := range people {
		fmt.Println(p.Name, p.Photos)
	}
	photo, _ := album.Photo("c.jpg")
	grandma := photo.Faces[0].Person
	if _, err := album.Reject(photo.Faces[0].ID, grandma); err != nil {
		fmt.Println(err)
	}
	photos, _ := album.PhotosOf(grandma)
	fmt.Println("Grandma is now in", photos)
	// Output:
	// 2 people
	// Grandma [a.jpg b.jpg c.jpg]
	// Grandma is now in [a.jpg b.jpg]
}

// ExampleAlbum_Export shows the privacy controls: a JSON copy of everything
// held, forgetting a photo, and destroying the album.
func ExampleAlbum_Export() {
	dir, _ := os.MkdirTemp("", "album")
	defer os.RemoveAll(dir)
	key := make([]byte, sdk.KeySize)
	rand.Read(key)
	album, _ := sdk.OpenAlbum(filepath.Join(dir, "album.fc"), key, sdk.WithConsent(true))
	ctx := context.Background()
	album.AddFeatures(ctx, "a.jpg", []sdk.FaceFeature{face(0, 0)})
	album.AddFeatures(ctx, "b.jpg", []sdk.FaceFeature{face(0, 0.1)})

	album.Forget(ctx, "b.jpg") // gone from the file, not only hidden

	var buf bytes.Buffer
	album.Export(ctx, &buf)
	var doc struct {
		Format string `json:"format"`
		Photos []struct {
			ID    string `json:"id"`
			Faces []struct {
				Feature struct {
					Vector []float32 `json:"vector"`
				} `json:"feature"`
			} `json:"faces"`
		} `json:"photos"`
	}
	json.Unmarshal(buf.Bytes(), &doc)
	fmt.Println(doc.Format, doc.Photos[0].ID, len(doc.Photos), len(doc.Photos[0].Faces[0].Feature.Vector))

	album.Destroy() // withdraw consent: the file is overwritten and removed
	_, err := album.People()
	fmt.Println(err)
	entries, _ := os.ReadDir(dir)
	fmt.Println(len(entries), "files left")
	// Output:
	// facecluster-album-export a.jpg 1 8
	// sdk: Album.People: sdk: album closed
	// 0 files left
}

// ExampleFromImage converts a decoded image for the engine.
func ExampleFromImage() {
	src := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	src.Set(0, 0, color.NRGBA{R: 200, G: 100, B: 50, A: 255})
	src.Set(1, 0, color.NRGBA{A: 0}) // transparent: composited over white
	img, err := sdk.FromImage(src)
	fmt.Println(img.Width, img.Height, img.Pix, err)
	// Output: 2 1 [200 100 50 255 255 255] <nil>
}

// ExampleNew shows the consent gate.
func ExampleNew() {
	_, err := sdk.New()
	fmt.Println(err)
	eng, err := sdk.New(sdk.WithConsent(true))
	fmt.Println(eng != nil, err)
	// Output:
	// sdk.New: sdk: no consent to process faces: pass WithConsent(true) once the user has agreed
	// true <nil>
}

// ExampleAlbum_Add runs the whole pipeline on photo files: decode, find
// and describe the faces, group them by person. (Not run by go test: it
// needs photos.)
func ExampleAlbum_Add() {
	eng, err := sdk.New(sdk.WithConsent(true)) // ModeAccurate; sdk.WithMode(sdk.ModeFast) is ~3x cheaper
	if err != nil {
		fmt.Println(err)
		return
	}
	info := eng.Info()
	fmt.Println("facecluster", info.Version, "on", info.ISA)
	key := make([]byte, sdk.KeySize) // in an app: from the platform's keystore
	rand.Read(key)
	album, err := sdk.OpenAlbum("photos.album", key, sdk.WithConsent(true), sdk.WithEngine(eng))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer album.Close()
	ctx := context.Background()
	for _, name := range []string{"beach.jpg", "party.jpg"} {
		f, err := os.Open(name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		src, _, err := image.Decode(f) // register decoders with _ "image/jpeg"
		f.Close()
		if err != nil {
			fmt.Println(name, err)
			continue
		}
		img, err := sdk.FromImage(src)
		if err != nil {
			fmt.Println(name, err)
			continue
		}
		faces, err := album.Add(ctx, name, img) // one synced transaction per photo
		fmt.Println(name, len(faces), "faces", err)
	}
	album.Refine(ctx)
	people, _ := album.People()
	for _, p := range people {
		fmt.Println(p.ID, p.Photos)
	}
}
