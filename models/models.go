// Package models embeds facecluster's three pretrained networks as nn model
// files, converted by gen/models (`make models`) from pinned npm packages;
// see NOTICE for their sources and licences and ../../shared/MODELS.md for
// how they are used.
//
//	BlazeFaceBack  face detector, input [1,256,256,3]  outputs scores16, boxes16, scores8, boxes8
//	DlibResNet     embedder,      input [1,150,150,3]  output descriptor [1,128]
//	FaceRes        embedder,      input [1,224,224,3]  output feature [1,1024]
//
// Each file's SHA-256 is recorded here and checked before the file is
// decoded, so a build never runs weights other than the ones converted and
// reviewed. Loaded models are cached: every call returns the same immutable
// *nn.Model.
package models

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/facecluster/facecluster/nn"
)

// ErrChecksum is returned when an embedded file does not hash to its
// recorded SHA-256.
var ErrChecksum = errors.New("models: embedded model file does not match its recorded SHA-256")

// File names and SHA-256 of the embedded model files, as written by
// gen/models.
const (
	BlazeFaceBackFile   = "blazeface-back.fcm"
	BlazeFaceBackSHA256 = "64d9b4888f2d212b490f712633d2547dd0f8fb6e09b821f4ea1869176bf79ecf"

	DlibResNetFile   = "dlib-resnet.fcm"
	DlibResNetSHA256 = "91d094675c30f8d515086d6081c40bcc6b77ab514c69da97d888ef06c8f52a94"

	FaceResFile   = "faceres.fcm"
	FaceResSHA256 = "dc139d7a5857b38aa52c97dced9d4ea77bead1c451512899aed6748ff97d1ca7"
)

var (
	//go:embed blazeface-back.fcm
	blazeFaceBack []byte
	//go:embed dlib-resnet.fcm
	dlibResNet []byte
	//go:embed faceres.fcm
	faceRes []byte
)

type entry struct {
	name, sum string
	data      []byte
	load      func() (*nn.Model, error)
}

var entries = map[string]*entry{
	BlazeFaceBackFile: {name: BlazeFaceBackFile, sum: BlazeFaceBackSHA256, data: blazeFaceBack},
	DlibResNetFile:    {name: DlibResNetFile, sum: DlibResNetSHA256, data: dlibResNet},
	FaceResFile:       {name: FaceResFile, sum: FaceResSHA256, data: faceRes},
}

func init() {
	for _, e := range entries {
		e.load = sync.OnceValues(func() (*nn.Model, error) {
			data, err := verified(e)
			if err != nil {
				return nil, err
			}
			m, err := nn.Decode(data)
			if err != nil {
				return nil, fmt.Errorf("models: %s: %w", e.name, err)
			}
			return m, nil
		})
	}
}

func verified(e *entry) ([]byte, error) {
	sum := sha256.Sum256(e.data)
	if hex.EncodeToString(sum[:]) != e.sum {
		return nil, fmt.Errorf("%w: %s", ErrChecksum, e.name)
	}
	return e.data, nil
}

// BlazeFaceBack returns the BlazeFace back-camera face detector.
func BlazeFaceBack() (*nn.Model, error) { return entries[BlazeFaceBackFile].load() }

// DlibResNet returns dlib's ResNet face recogniser (128-d descriptors).
func DlibResNet() (*nn.Model, error) { return entries[DlibResNetFile].load() }

// FaceRes returns HSE's faceres embedder, pruned to its 1024-d global
// pooling feature.
func FaceRes() (*nn.Model, error) { return entries[FaceResFile].load() }

// Load returns the model stored in the embedded file called name (one of
// the *File constants).
func Load(name string) (*nn.Model, error) {
	e, ok := entries[name]
	if !ok {
		return nil, fmt.Errorf("models: no embedded model %q", name)
	}
	return e.load()
}

// Raw returns the bytes of the embedded file called name after checking its
// SHA-256. The slice is shared: do not modify it.
func Raw(name string) ([]byte, error) {
	e, ok := entries[name]
	if !ok {
		return nil, fmt.Errorf("models: no embedded model %q", name)
	}
	return verified(e)
}

// Names lists the embedded files.
func Names() []string { return []string{BlazeFaceBackFile, DlibResNetFile, FaceResFile} }
