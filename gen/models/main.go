// Command models converts the three pretrained networks facecluster uses
// from their pinned npm packages into nn model files (see
// ../../shared/MODELS.md and models/NOTICE):
//
//	models/blazeface-back.fcm  BlazeFace, back-camera variant   @vladmandic/human@3.3.6
//	models/dlib-resnet.fcm     dlib ResNet face recogniser      @vladmandic/face-api@1.7.15
//	models/faceres.fcm         HSE faceres, to global_pooling   @vladmandic/human@3.3.6
//
// It runs `npm pack` for each package into a temporary directory (or
// -cache), checks the tarball's SHA-256 against the value recorded in
// npm.go, reads only the weight files, folds constants (biases, batch norm,
// dlib's scale layers) into the convolutions, prunes what the outputs do not
// need and writes the files. The output is a pure function of the
// tarballs: `make models` reproduces the committed files byte for byte.
//
// Stored precision: uint8 where the source is uint8 (dlib's filters and fc,
// bytes unchanged; folding the scale layer makes min and scale per output
// channel, float32), float16 where the source is float16 and folding did not
// change the values (faceres' 1x1 and first convolution weights: exact),
// float32 for everything else (BlazeFace, all biases, folded depthwise
// weights). Every tensor is widened to float32 at load, so no precision is
// lost against what TF.js computes with.
//
// Usage:
//
//	go run ./models -out ../models [-cache DIR] [-check]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/facecluster/facecluster/nn"
)

func main() {
	out := flag.String("out", "../models", "directory to write the model files into")
	cache := flag.String("cache", "", "directory for the npm tarballs (default: a temporary directory, removed after)")
	check := flag.Bool("check", false, "compare with the files in -out instead of writing them")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen/models: ")

	dir := *cache
	if dir == "" {
		tmp, err := os.MkdirTemp("", "facecluster-models-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	files, err := convertAll(dir)
	if err != nil {
		log.Fatal(err)
	}
	failed := false
	for _, f := range files {
		path := filepath.Join(*out, f.name)
		if *check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, f.data) {
				log.Printf("%s differs from the conversion", path)
				failed = true
			}
			continue
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			log.Fatal(err)
		}
		m, _ := nn.Decode(f.data)
		log.Printf("wrote %s: %d bytes, %d layers, %d params, %.3f GMAC", path, len(f.data), len(m.Layers), m.Params(), float64(m.MACs)/1e9)
	}
	if failed {
		os.Exit(1)
	}
}

type modelFile struct {
	name string
	data []byte
}

const (
	licApache = "Apache-2.0"
	licDlib   = "public domain (dlib-models, Davis E. King)"
)

func convertAll(dir string) ([]modelFile, error) {
	humanTgz, err := human.tarball(dir)
	if err != nil {
		return nil, err
	}
	apiTgz, err := faceAPI.tarball(dir)
	if err != nil {
		return nil, err
	}
	hfiles, err := extract(humanTgz,
		"package/models/blazeface.json", "package/models/blazeface.bin",
		"package/models/faceres.json", "package/models/faceres.bin")
	if err != nil {
		return nil, err
	}
	afiles, err := extract(apiTgz,
		"package/model/face_recognition_model-weights_manifest.json",
		"package/model/face_recognition_model.bin")
	if err != nil {
		return nil, err
	}

	var files []modelFile
	add := func(name string, f *nn.File, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		data, err := nn.Encode(f)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files = append(files, modelFile{name, data})
		return nil
	}

	f, err := convertTFJS(hfiles, "blazeface", graphSpec{
		input:      "input",
		inputShape: []int{1, 256, 256, 3},
		strip:      "StatefulPartitionedCall/functional_1/",
		// Outputs in the order detect/ concatenates them: the 16x16 grid
		// (512 anchors) first, then the 8x8 grid (384).
		outputs: []output{{name: "scores16"}, {name: "boxes16"}, {name: "scores8"}, {name: "boxes8"}},
	}, []string{"Identity", "Identity_2", "Identity_1", "Identity_3"}, []nn.KV{
		kv("source", human.String()+" package/models/blazeface.json + blazeface.bin (TF.js graph model, from google/mediapipe)"),
		kv("license", licApache+" (Google MediaPipe)"),
		kv("input", "input [1,256,256,3] NHWC RGB, x/127.5 - 1"),
		kv("outputs", "scores16 [1,512,1] (TF Identity:0), boxes16 [1,512,16] (Identity_2:0), scores8 [1,384,1] (Identity_1:0), boxes8 [1,384,16] (Identity_3:0)"),
	})
	if err := add("blazeface-back.fcm", f, err); err != nil {
		return nil, err
	}

	f, err = convertDlib(afiles)
	if err := add("dlib-resnet.fcm", f, err); err != nil {
		return nil, err
	}

	f, err = convertTFJS(hfiles, "faceres", graphSpec{
		input:      "input_1",
		inputShape: []int{1, 224, 224, 3},
		outputs:    []output{{name: "feature"}},
	}, []string{"global_pooling/Mean"}, []nn.KV{
		kv("source", human.String()+" package/models/faceres.json + faceres.bin (TF.js graph model, from HSE-asavchenko/HSE_FaceRec_tf), pruned after global_pooling/Mean"),
		kv("license", licApache+" (HSE-asavchenko/HSE_FaceRec_tf)"),
		kv("input", "input_1 [1,224,224,3] NHWC BGR, [b-103.939, g-116.779, r-123.68]"),
		kv("outputs", "feature [1,1024] (global_pooling/Mean)"),
	})
	if err := add("faceres.fcm", f, err); err != nil {
		return nil, err
	}
	return files, nil
}

func convertTFJS(files map[string][]byte, base string, spec graphSpec, nodes []string, meta []nn.KV) (*nn.File, error) {
	g, err := parseGraphModel(files["package/models/"+base+".json"])
	if err != nil {
		return nil, err
	}
	shards := map[string][]byte{}
	for _, grp := range g.WeightsManifest {
		for _, p := range grp.Paths {
			data, ok := files["package/models/"+p]
			if !ok {
				return nil, fmt.Errorf("shard %s not extracted", p)
			}
			shards[p] = data
		}
	}
	w, err := decodeWeights(g.WeightsManifest, shards)
	if err != nil {
		return nil, err
	}
	outs, err := convertGraph(g, w, spec, nodes)
	if err != nil {
		return nil, err
	}
	return emit(base, meta, outs)
}

func convertDlib(files map[string][]byte) (*nn.File, error) {
	var groups []manifestGroup
	if err := json.Unmarshal(files["package/model/face_recognition_model-weights_manifest.json"], &groups); err != nil {
		return nil, err
	}
	shards := map[string][]byte{}
	for _, grp := range groups {
		for _, p := range grp.Paths {
			data, ok := files["package/model/"+p]
			if !ok {
				return nil, fmt.Errorf("shard %s not extracted", p)
			}
			shards[p] = data
		}
	}
	w, err := decodeWeights(groups, shards)
	if err != nil {
		return nil, err
	}
	outs, err := dlibNet(w)
	if err != nil {
		return nil, err
	}
	return emit("dlib-resnet", []nn.KV{
		kv("source", faceAPI.String()+" package/model/face_recognition_model-weights_manifest.json + face_recognition_model.bin (TF.js weights, uint8; dlib_face_recognition_resnet_model_v1)"),
		kv("license", licDlib),
		kv("input", "input [1,150,150,3] NHWC RGB, (x - [122.782, 117.001, 104.298]) / 255"),
		kv("outputs", "descriptor [1,128] (not normalised; same person if Euclidean distance < 0.6)"),
	}, outs)
}

func kv(k, v string) nn.KV { return nn.KV{Key: k, Value: v} }
