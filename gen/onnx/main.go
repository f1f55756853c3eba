// Command onnx writes facecluster's three embedded models as ONNX, for the
// side-by-side benchmarks against ONNX Runtime (bench/cmd/models).
//
//	go run ./onnx -out DIR        # from gen/; needs /usr/bin/python3 with onnx and numpy
//
// It reads each model through package nn (the same validated, dequantized
// weights the executor runs), writes DIR/<model>.json (the layer graph) and
// DIR/<model>.bin (the float32 weights, little-endian, concatenated), and runs
// export.py beside this file, which builds DIR/<model>.onnx from them with
// Debian's python3-onnx (`apt-get install -y python3-onnx python3-numpy`).
//
// The ONNX graphs take the same NHWC input and give the same outputs as the
// model files; inside they are NCHW, as ONNX's Conv is: a Transpose after the
// input and before each NHWC output or Reshape, HWIO filters permuted to
// OIHW, depthwise convolutions as grouped Conv, TensorFlow's asymmetric SAME
// padding as explicit pads, residual adds and activations as separate Add,
// Relu and Clip nodes (ONNX Runtime fuses what it can).
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

// graph is the JSON form export.py reads.
type graph struct {
	Name    string   `json:"name"`
	Values  []value  `json:"values"`
	Inputs  []int    `json:"inputs"`
	Outputs []output `json:"outputs"`
	Tensors []tensor `json:"tensors"`
	Layers  []layer  `json:"layers"`
}

type value struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

type output struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
}

type tensor struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	Offset int    `json:"offset"` // in floats into the .bin
}

type layer struct {
	Op      string `json:"op"`
	Name    string `json:"name"`
	In      []int  `json:"in"`
	Out     int    `json:"out"`
	Act     string `json:"act"`
	KH      int    `json:"kh"`
	KW      int    `json:"kw"`
	SH      int    `json:"sh"`
	SW      int    `json:"sw"`
	Pads    [6]int `json:"pads"` // top, bottom, left, right, front, back
	Weights int    `json:"weights"`
	Bias    int    `json:"bias"` // tensor index, -1 if none
}

func main() {
	out := flag.String("out", "", "output directory (required)")
	script := flag.String("script", "", "export.py (default: beside this source file)")
	py := flag.String("python", "/usr/bin/python3", "Python with onnx and numpy")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "onnx: -out is required")
		os.Exit(2)
	}
	if *script == "" {
		_, file, _, _ := runtime.Caller(0)
		*script = filepath.Join(filepath.Dir(file), "export.py")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	for _, m := range []struct {
		name string
		load func() (*nn.Model, error)
	}{{"blazeface-back", models.BlazeFaceBack}, {"dlib-resnet", models.DlibResNet}, {"faceres", models.FaceRes}} {
		model, err := m.load()
		if err != nil {
			fatal(err)
		}
		base := filepath.Join(*out, m.name)
		if err := dump(model, base); err != nil {
			fatal(err)
		}
		cmd := exec.Command(*py, *script, base+".json", base+".bin", base+".onnx")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fatal(fmt.Errorf("%s: %w", *script, err))
		}
	}
}

func dump(m *nn.Model, base string) error {
	g := graph{Name: m.Name, Inputs: m.Inputs}
	for _, v := range m.Values {
		g.Values = append(g.Values, value{v.Name, v.Shape})
	}
	for i, v := range m.Outputs {
		g.Outputs = append(g.Outputs, output{m.OutputNames[i], v})
	}
	var data []byte
	index := map[*nn.Tensor]int{}
	for i, t := range m.Tensors {
		index[t] = i
		g.Tensors = append(g.Tensors, tensor{t.Name, t.Shape, len(data) / 4})
		for _, v := range t.Data {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
	}
	for _, l := range m.Layers {
		gl := layer{Op: l.Op.String(), Name: l.Name, In: l.In, Out: l.Out, Act: l.Act.String(),
			KH: l.KH, KW: l.KW, SH: l.SH, SW: l.SW,
			Pads:    [6]int{l.PadTop, l.PadBottom, l.PadLeft, l.PadRight, l.PadFront, l.PadBack},
			Weights: -1, Bias: -1}
		if l.Weights != nil {
			gl.Weights = index[l.Weights]
		}
		if l.Bias != nil {
			gl.Bias = index[l.Bias]
		}
		g.Layers = append(g.Layers, gl)
	}
	js, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", js, 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".bin", data, 0o644)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "onnx:", err)
	os.Exit(1)
}
