package models

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/facecluster/facecluster/nn"
)

func TestModels(t *testing.T) {
	for _, tc := range []struct {
		load    func() (*nn.Model, error)
		file    string
		input   []int
		outputs map[string][]int
		params  int
		gmac    float64 // MODELS.md: 0.19, 0.27, 0.57
	}{
		{BlazeFaceBack, BlazeFaceBackFile, []int{1, 256, 256, 3}, map[string][]int{
			"scores16": {1, 512, 1}, "boxes16": {1, 512, 16}, "scores8": {1, 384, 1}, "boxes8": {1, 384, 16},
		}, 134704, 0.19},
		{DlibResNet, DlibResNetFile, []int{1, 150, 150, 3}, map[string][]int{"descriptor": {1, 128}}, 5607488, 0.27},
		{FaceRes, FaceResFile, []int{1, 224, 224, 3}, map[string][]int{"feature": {1, 1024}}, 3196032, 0.57},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			if m2, _ := Load(tc.file); m2 != m {
				t.Error("Load returned a different model than the accessor")
			}
			if len(m.Inputs) != 1 || !slices.Equal(m.Values[m.Inputs[0]].Shape, tc.input) {
				t.Errorf("input %v, want %v", m.Values[m.Inputs[0]].Shape, tc.input)
			}
			if len(m.Outputs) != len(tc.outputs) {
				t.Errorf("%d outputs, want %d", len(m.Outputs), len(tc.outputs))
			}
			for name, shape := range tc.outputs {
				v := m.Output(name)
				if v < 0 {
					t.Errorf("no output %q", name)
					continue
				}
				if !slices.Equal(m.Values[v].Shape, shape) {
					t.Errorf("output %s: shape %v, want %v", name, m.Values[v].Shape, shape)
				}
			}
			if m.Params() != tc.params {
				t.Errorf("%d parameters, want %d", m.Params(), tc.params)
			}
			if g := float64(m.MACs) / 1e9; g < tc.gmac-0.005 || g > tc.gmac+0.005 {
				t.Errorf("%.3f GMAC, want %.2f", g, tc.gmac)
			}
			for _, key := range []string{"source", "license", "input", "outputs"} {
				if m.Metadata(key) == "" {
					t.Errorf("no metadata %q", key)
				}
			}
			raw, err := Raw(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes, %d layers, %d params, %.3f GMAC", tc.file, len(raw), len(m.Layers), m.Params(), float64(m.MACs)/1e9)
		})
	}
}

func TestChecksum(t *testing.T) {
	e := entries[DlibResNetFile]
	bad := &entry{name: e.name, sum: e.sum, data: bytes.Clone(e.data)}
	bad.data[len(bad.data)/2] ^= 1
	if _, err := verified(bad); !errors.Is(err, ErrChecksum) {
		t.Errorf("corrupted file: err = %v, want ErrChecksum", err)
	}
	if _, err := Load("nope.fcm"); err == nil {
		t.Error("Load of an unknown name succeeded")
	}
	if _, err := Raw("nope.fcm"); err == nil {
		t.Error("Raw of an unknown name succeeded")
	}
	if len(Names()) != len(entries) {
		t.Error("Names does not list every file")
	}
}
