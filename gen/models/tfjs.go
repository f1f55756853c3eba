package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/facecluster/facecluster/nn"
)

// graphModel is the part of a TF.js graph-model JSON file we read.
type graphModel struct {
	Format        string `json:"format"`
	ModelTopology struct {
		Node []tfNode `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []manifestGroup `json:"weightsManifest"`
}

// manifestGroup is one entry of a TF.js weights manifest: the shard files
// and the tensors stored in them, back to back.
type manifestGroup struct {
	Paths   []string     `json:"paths"`
	Weights []weightSpec `json:"weights"`
}

type weightSpec struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	Dtype        string `json:"dtype"`
	Quantization *struct {
		Dtype         string  `json:"dtype"`
		Scale         float64 `json:"scale"`
		Min           float64 `json:"min"`
		OriginalDtype string  `json:"original_dtype"`
	} `json:"quantization"`
}

type tfNode struct {
	Name  string            `json:"name"`
	Op    string            `json:"op"`
	Input []string          `json:"input"`
	Attr  map[string]tfAttr `json:"attr"`
}

type tfAttr struct {
	S    []byte  `json:"s"` // base64 in JSON
	I    string  `json:"i"`
	F    float64 `json:"f"`
	B    bool    `json:"b"`
	List struct {
		I []string `json:"i"`
		S [][]byte `json:"s"`
	} `json:"list"`
}

func (n *tfNode) str(key string) string { return string(n.Attr[key].S) }

func (n *tfNode) ints(key string) ([]int, error) {
	var out []int
	for _, s := range n.Attr[key].List.I {
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("%s: attr %s: %v", n.Name, key, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// weight is a decoded tensor of a manifest. Values are float64 so that
// folding rounds once, when the tensor is written. Q, QMin and QScale keep
// uint8-quantized source data; Half marks values read from float16.
type weight struct {
	Name   string
	Shape  []int
	Data   []float64
	Q      []uint8
	QMin   float64
	QScale float64
	Half   bool
}

func (w *weight) size() int {
	n := 1
	for _, d := range w.Shape {
		n *= d
	}
	return n
}

// decodeWeights decodes the tensors of a weights manifest from the bytes of
// its shards (concatenated in manifest order), as TF.js does: float32 and
// int32 raw; float16 widened; uint8 as q*scale + min in double precision,
// rounded to float32.
func decodeWeights(groups []manifestGroup, shards map[string][]byte) (map[string]*weight, error) {
	out := map[string]*weight{}
	for _, g := range groups {
		var buf []byte
		for _, p := range g.Paths {
			data, ok := shards[p]
			if !ok {
				return nil, fmt.Errorf("missing weight shard %s", p)
			}
			buf = append(buf, data...)
		}
		for _, s := range g.Weights {
			w := &weight{Name: s.Name, Shape: s.Shape}
			n := w.size()
			dtype := s.Dtype
			if s.Quantization != nil {
				dtype = s.Quantization.Dtype
			}
			size := map[string]int{"float32": 4, "int32": 4, "float16": 2, "uint8": 1}[dtype]
			if size == 0 {
				return nil, fmt.Errorf("%s: unsupported dtype %s", s.Name, dtype)
			}
			if len(buf) < n*size {
				return nil, fmt.Errorf("%s: shard too short", s.Name)
			}
			p := buf[:n*size]
			buf = buf[n*size:]
			w.Data = make([]float64, n)
			for i := range w.Data {
				switch dtype {
				case "float32":
					w.Data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:])))
				case "int32":
					w.Data[i] = float64(int32(binary.LittleEndian.Uint32(p[4*i:])))
				case "float16":
					w.Data[i] = float64(nn.Float16ToFloat32(binary.LittleEndian.Uint16(p[2*i:])))
					w.Half = true
				case "uint8":
					q := s.Quantization
					w.Data[i] = float64(float32(float64(p[i])*q.Scale + q.Min))
				}
			}
			if dtype == "uint8" {
				w.Q = append([]uint8(nil), p...)
				w.QMin, w.QScale = s.Quantization.Min, s.Quantization.Scale
			}
			if _, dup := out[s.Name]; dup {
				return nil, fmt.Errorf("duplicate weight %s", s.Name)
			}
			out[s.Name] = w
		}
		if len(buf) != 0 {
			return nil, fmt.Errorf("%d unused bytes in shards %v", len(buf), g.Paths)
		}
	}
	return out, nil
}

func parseGraphModel(data []byte) (*graphModel, error) {
	var g graphModel
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, err
	}
	if g.Format != "graph-model" {
		return nil, fmt.Errorf("format %q, want graph-model", g.Format)
	}
	return &g, nil
}
