package nn_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

// The goldens in testdata/golden are the outputs of the original models in
// TF.js 4.22.0 (WASM backend) for seeded synthetic images, written by
// gen/golden/golden.js. TestGoldenReference runs the converted model files
// through the float64 reference interpreter on the same images and requires:
//   - BlazeFace: every raw head within 1e-4 of TF.js relative to the head's
//     largest magnitude (max abs and relative errors are logged);
//   - dlib and faceres: cosine similarity >= 0.9999 (and the errors logged).
// With -short only the first seed runs.

const goldenDir = "../testdata/golden"

var goldenSeeds = []string{"1", "2"}

// npy is a parsed NumPy .npy file (format 1.0, little-endian, C order).
type npy struct {
	shape []int
	u8    []uint8
	f32   []float32
}

var npyHeader = regexp.MustCompile(`^\{'descr': '([<|][uf][14])', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`)

func readNpy(t testing.TB, name string) npy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 10 || string(data[:8]) != "\x93NUMPY\x01\x00" {
		t.Fatalf("%s: not a .npy 1.0 file", name)
	}
	hl := int(binary.LittleEndian.Uint16(data[8:]))
	if 10+hl > len(data) {
		t.Fatalf("%s: short header", name)
	}
	m := npyHeader.FindStringSubmatch(string(data[10 : 10+hl]))
	if m == nil {
		t.Fatalf("%s: unsupported header %q", name, data[10:10+hl])
	}
	var a npy
	for _, f := range strings.Split(m[2], ",") {
		if f = strings.TrimSpace(f); f != "" {
			d, _ := strconv.Atoi(f)
			a.shape = append(a.shape, d)
		}
	}
	body := data[10+hl:]
	n := nn.NumElems(a.shape, len(body))
	switch m[1] {
	case "|u1":
		if n != len(body) {
			t.Fatalf("%s: %d bytes for shape %v", name, len(body), a.shape)
		}
		a.u8 = body
	case "<f4":
		if 4*n != len(body) {
			t.Fatalf("%s: %d bytes for shape %v", name, len(body), a.shape)
		}
		a.f32 = make([]float32, n)
		for i := range a.f32 {
			a.f32[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
		}
	default:
		t.Fatalf("%s: dtype %s", name, m[1])
	}
	return a
}

// Preprocessing exactly as the golden script did it in TF.js: float32 ops,
// one rounding each.
func preBlazeFace(img []uint8) []float64 {
	out := make([]float64, len(img))
	for i, p := range img {
		out[i] = float64(float32(p)/float32(127.5) - 1)
	}
	return out
}

func preDlib(img []uint8) []float64 {
	mean := [3]float32{122.782, 117.001, 104.298}
	out := make([]float64, len(img))
	for i, p := range img {
		out[i] = float64((float32(p) - mean[i%3]) / 255)
	}
	return out
}

func preFaceRes(img []uint8) []float64 {
	mean := [3]float32{103.939, 116.779, 123.68} // B, G, R
	out := make([]float64, len(img))
	for i := 0; i < len(img); i += 3 {
		for c := 0; c < 3; c++ {
			out[i+c] = float64(float32(img[i+2-c]) - mean[c])
		}
	}
	return out
}

// errStats compares got with the golden want.
type errStats struct {
	maxAbs, maxMag, maxRel, cosine float64
}

func compare(got []float64, want []float32) errStats {
	var s errStats
	var dot, ng, nw float64
	for i, w := range want {
		g, w := got[i], float64(w)
		d := math.Abs(g - w)
		s.maxAbs = max(s.maxAbs, d)
		s.maxMag = max(s.maxMag, math.Abs(w))
		s.maxRel = max(s.maxRel, d/math.Max(math.Abs(w), 1))
		dot += g * w
		ng += g * g
		nw += w * w
	}
	s.cosine = dot / math.Sqrt(ng*nw)
	return s
}

func (s errStats) String() string {
	return fmt.Sprintf("max abs err %.3g (max |golden| %.4g, normwise rel %.3g), max err/max(|golden|,1) %.3g, cosine 1-%.2g",
		s.maxAbs, s.maxMag, s.maxAbs/s.maxMag, s.maxRel, 1-s.cosine)
}

func TestGoldenReference(t *testing.T) {
	seeds := goldenSeeds
	if testing.Short() {
		seeds = seeds[:1]
	}
	type job struct {
		model   string
		load    func() (*nn.Model, error)
		prefix  string
		pre     func([]uint8) []float64
		outputs []string
		cosine  bool
	}
	jobs := []job{
		{"blazeface", models.BlazeFaceBack, "blazeface", preBlazeFace, []string{"scores16", "boxes16", "scores8", "boxes8"}, false},
		{"dlib", models.DlibResNet, "dlib", preDlib, []string{"descriptor"}, true},
		{"faceres", models.FaceRes, "faceres", preFaceRes, []string{"feature"}, true},
	}
	for _, j := range jobs {
		m, err := j.load()
		if err != nil {
			t.Fatal(err)
		}
		for _, seed := range seeds {
			t.Run(j.model+"-"+seed, func(t *testing.T) {
				t.Parallel()
				base := j.prefix + "-" + seed
				img := readNpy(t, base+".input.npy")
				in := m.Values[m.Inputs[0]].Shape
				if !slices.Equal(append([]int{1}, img.shape...), in) {
					t.Fatalf("golden input %v, model input %v", img.shape, in)
				}
				vals, err := refRun(m, j.pre(img.u8))
				if err != nil {
					t.Fatal(err)
				}
				for _, name := range j.outputs {
					want := readNpy(t, base+"."+name+".npy")
					v := m.Output(name)
					if !slices.Equal(want.shape, m.Values[v].Shape) {
						t.Fatalf("%s: golden shape %v, model %v", name, want.shape, m.Values[v].Shape)
					}
					s := compare(vals[v], want.f32)
					t.Logf("%s %s: %v", base, name, s)
					if j.cosine {
						if s.cosine < 0.9999 {
							t.Errorf("%s: cosine %.6f < 0.9999", name, s.cosine)
						}
					} else if s.maxAbs > 1e-4*s.maxMag {
						t.Errorf("%s: max abs error %.3g > 1e-4 x %.4g", name, s.maxAbs, s.maxMag)
					}
				}
			})
		}
	}
}
