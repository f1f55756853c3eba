package nn_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/facecluster/facecluster/internal/devdata"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/kernels"
	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

// goldenModel is one of the three shipped networks with its golden files.
type goldenModel struct {
	name    string
	load    func() (*nn.Model, error)
	pre     func([]uint8) []float64
	outputs []string
	cosine  bool // embeddings: cosine; BlazeFace: max abs error per head
}

var goldenModels = []goldenModel{
	{"blazeface", models.BlazeFaceBack, preBlazeFace, []string{"scores16", "boxes16", "scores8", "boxes8"}, false},
	{"dlib", models.DlibResNet, preDlib, []string{"descriptor"}, true},
	{"faceres", models.FaceRes, preFaceRes, []string{"feature"}, true},
}

func executor(t testing.TB, load func() (*nn.Model, error)) *nn.Executor {
	t.Helper()
	m, err := load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := nn.NewExecutor(m)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func toF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func toF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// goldenInput returns the preprocessed golden input of model g and seed.
func goldenInput(t testing.TB, g goldenModel, seed string) []float32 {
	img := readNpy(t, g.name+"-"+seed+".input.npy")
	return toF32(g.pre(img.u8))
}

// TestExecutorGolden runs the executor on the TF.js goldens at every ISA
// level, with one and two kernel threads, and requires what
// TestGoldenReference requires of the float64 reference: per BlazeFace head,
// max abs error <= 1e-4 x max |golden|; embeddings within cosine 0.9999.
func TestExecutorGolden(t *testing.T) {
	seeds := goldenSeeds
	if testing.Short() || devdata.Slow() {
		seeds = seeds[:1]
	}
	threads := []int{1, 2}
	if testing.Short() || devdata.Slow() {
		threads = threads[:1]
	}
	isatest.ForEach(t, func(t *testing.T) {
		for _, g := range goldenModels {
			e := executor(t, g.load)
			m := e.Model()
			sess := e.NewSession()
			for _, seed := range seeds {
				in := goldenInput(t, g, seed)
				for _, th := range threads {
					t.Run(fmt.Sprintf("%s-%s/threads=%d", g.name, seed, th), func(t *testing.T) {
						defer kernels.SetThreads(kernels.SetThreads(th))
						outs, err := sess.Run(in)
						if err != nil {
							t.Fatal(err)
						}
						for _, name := range g.outputs {
							want := readNpy(t, g.name+"-"+seed+"."+name+".npy")
							i := slices.Index(m.OutputNames, name)
							if i < 0 {
								t.Fatalf("no output %s", name)
							}
							s := compare(toF64(outs[i]), want.f32)
							t.Logf("%s %s: %v", kernels.ISA(), name, s)
							if g.cosine {
								if !(s.cosine >= 0.9999) {
									t.Errorf("%s: cosine %.6f < 0.9999", name, s.cosine)
								}
							} else if !(s.maxAbs <= 1e-4*s.maxMag) {
								t.Errorf("%s: max abs error %.3g > 1e-4 x %.4g", name, s.maxAbs, s.maxMag)
							}
						}
					})
				}
			}
		}
	})
}

// TestExecutorThreadsAgree checks that the result does not depend on the
// thread count (kernels' promise) or on the session.
func TestExecutorThreadsAgree(t *testing.T) {
	if devdata.Slow() {
		t.Skip("under emulation TestExecutorSynthetic covers 1, 2 and 3 threads")
	}
	g := goldenModels[0]
	e := executor(t, g.load)
	in := goldenInput(t, g, "1")
	run := func(th int) [][]float32 {
		defer kernels.SetThreads(kernels.SetThreads(th))
		out := outputBuffers(e.Model())
		if err := e.Run(out, in); err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := run(1), run(2)
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("output %d differs between 1 and 2 threads", i)
		}
	}
}

func outputBuffers(m *nn.Model) [][]float32 {
	out := make([][]float32, len(m.Outputs))
	for i, v := range m.Outputs {
		out[i] = make([]float32, m.Values[v].Elems())
	}
	return out
}

// TestExecutorConcurrent runs one Executor from several goroutines (pooled
// sessions) and requires every result to equal a serial run.
func TestExecutorConcurrent(t *testing.T) {
	var e *nn.Executor
	var in []float32
	if devdata.Slow() {
		e, in = bandExecutor(t)
	} else {
		g := goldenModels[1]
		e, in = executor(t, g.load), goldenInput(t, g, "1")
	}
	want := outputBuffers(e.Model())
	if err := e.Run(want, in); err != nil {
		t.Fatal(err)
	}
	goroutines, runs := 4, 3
	if devdata.Slow() {
		goroutines, runs = 2, 1
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Go(func() {
			got := outputBuffers(e.Model())
			for range runs {
				if err := e.Run(got, in); err != nil {
					errs <- err
					return
				}
				for i := range got {
					if !slices.Equal(got[i], want[i]) {
						errs <- fmt.Errorf("output %d differs from the serial run", i)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestExecutorAllocs requires Session.Run and Executor.Run to allocate
// nothing after warm-up.
func TestExecutorAllocs(t *testing.T) {
	if devdata.Race {
		t.Skip("allocation counts mean nothing under -race (sync.Pool drops items)")
	}
	nets := append([]goldenModel{{name: "bands"}}, goldenModels...)
	if devdata.Slow() {
		nets = nets[:1] // the shipped models are slow under emulation
	}
	const runs = 3
	for _, g := range nets {
		t.Run(g.name, func(t *testing.T) {
			var e *nn.Executor
			var in []float32
			if g.load == nil {
				e, in = bandExecutor(t)
			} else {
				e, in = executor(t, g.load), goldenInput(t, g, "1")
			}
			s := e.NewSession()
			out := outputBuffers(e.Model())
			for _, th := range []int{1, 2} {
				prev := kernels.SetThreads(th)
				if _, err := s.Run(in); err != nil { // warm-up
					t.Fatal(err)
				}
				if err := e.Run(out, in); err != nil {
					t.Fatal(err)
				}
				if n := testing.AllocsPerRun(runs, func() { s.Run(in) }); n != 0 {
					t.Errorf("threads=%d: Session.Run: %v allocs/run, want 0", th, n)
				}
				if n := testing.AllocsPerRun(runs, func() { e.Run(out, in) }); n != 0 {
					t.Errorf("threads=%d: Executor.Run: %v allocs/run, want 0", th, n)
				}
				kernels.SetThreads(prev)
			}
		})
	}
}

func TestExecutorInputErrors(t *testing.T) {
	e := executor(t, models.DlibResNet)
	s := e.NewSession()
	n := 150 * 150 * 3
	for _, in := range [][][]float32{nil, {make([]float32, n-1)}, {make([]float32, n+1)}, {make([]float32, n), make([]float32, n)}} {
		if _, err := s.Run(in...); !errors.Is(err, nn.ErrInput) {
			t.Errorf("%d inputs: err %v, want ErrInput", len(in), err)
		}
	}
	if err := e.Run([][]float32{make([]float32, 127)}, make([]float32, n)); !errors.Is(err, nn.ErrInput) {
		t.Errorf("short output: err %v, want ErrInput", err)
	}
	if err := e.Run(nil, make([]float32, n)); !errors.Is(err, nn.ErrInput) {
		t.Errorf("no output slices: err %v, want ErrInput", err)
	}
}

// TestExecutorSynthetic compares the executor with the float64 reference
// interpreter on small graphs that use every op, option and fusion: the
// format test's model, and one with batch 2, spatial and leading-channel
// padding, in-place residuals and adds, a depthwise residual, and a
// reshaped graph input.
func TestExecutorSynthetic(t *testing.T) {
	defer nn.SetBandSize(1, 1)() // one row per band: many bands
	files := map[string]*nn.File{"format": testFile(), "fusions": fusionFile(), "bands": bandFile()}
	for name, f := range files {
		data, err := nn.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := nn.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		isatest.ForEach(t, func(t *testing.T) {
			t.Run(name, func(t *testing.T) {
				e, err := nn.NewExecutor(m)
				if err != nil {
					t.Fatal(err)
				}
				if name == "bands" && (!e.FusedWithNext(0) || !e.FusedWithNext(4) || !e.FusedWithNext(6)) {
					t.Fatal("depthwise layers not fused with their 1x1 convolutions")
				}
				var ins [][]float32
				var ins64 [][]float64
				for k, v := range m.Inputs {
					x := make([]float32, m.Values[v].Elems())
					for i := range x {
						x[i] = float32(math.Sin(float64(i*(k+3)))) * 2
					}
					ins = append(ins, x)
					ins64 = append(ins64, toF64(x))
				}
				want, err := refRun(m, ins64...)
				if err != nil {
					t.Fatal(err)
				}
				var outs [][]float32
				for _, th := range []int{1, 2, 3} {
					prev := kernels.SetThreads(th)
					outs, err = e.NewSession().Run(ins...)
					kernels.SetThreads(prev)
					if err != nil {
						t.Fatal(err)
					}
				}
				for i, v := range m.Outputs {
					for j, g := range outs[i] {
						w := want[v][j]
						if math.Abs(float64(g)-w) > 1e-4*math.Max(1, math.Abs(w)) {
							t.Fatalf("output %s[%d] = %v, want %v", m.OutputNames[i], j, g, w)
						}
					}
				}
			})
		})
	}
}

// fusionFile is a graph that exercises the executor's buffer sharing.
func fusionFile() *nn.File {
	vals := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = scale * float32((i*13)%17-8)
		}
		return v
	}
	f32 := func(name string, shape ...int) nn.FileTensor {
		return nn.FileTensor{Name: name, DType: nn.Float32, Shape: shape, F32: vals(nn.NumElems(shape, 1<<20), 0.05)}
	}
	ints := func(v ...int) []int { return v }
	return &nn.File{
		Name: "fusions",
		Tensors: []nn.FileTensor{
			f32("c1/w", 3, 3, 3, 8), f32("c1/b", 8), // 0, 1
			f32("dw/w", 3, 3, 8), f32("dw/b", 8), // 2, 3
			f32("c3/w", 1, 1, 8, 8), f32("c3/b", 8), // 4, 5
			f32("c5/w", 3, 3, 4, 8), f32("c5/b", 8), // 6, 7
			f32("dw2/w", 3, 3, 8),                   // 8
			f32("c9/w", 2, 2, 8, 8), f32("c9/b", 8), // 9, 10
			f32("fc/w", 8, 5), f32("fc/b", 5), // 11, 12
			f32("c1x1/w", 3, 3, 8, 8), f32("c1x1/b", 8), // 13, 14
		},
		Inputs: []nn.FileValue{{Name: "x", Shape: []int{2, 7, 6, 3}}, {Name: "y", Shape: []int{2, 84}}},
		Layers: []nn.FileLayer{
			{Op: nn.OpConv2D, Name: "c1", Inputs: ints(0), Ints: ints(1, 1, 1, 1), Tensors: ints(0, 1)},           // 2: [2,7,6,8]
			{Op: nn.OpDepthwiseConv2D, Name: "dw", Inputs: ints(2), Ints: ints(2, 2, 1, 0), Tensors: ints(2, 3)},  // 3: [2,4,3,8]
			{Op: nn.OpConv2D, Name: "c3", Inputs: ints(3, 3), Ints: ints(1, 1, 0, 2), Tensors: ints(4, 5)},        // 4: residual = input (not in place)
			{Op: nn.OpMaxPool, Name: "mp", Inputs: ints(2), Ints: ints(3, 3, 2, 2, 1)},                            // 5: [2,4,3,8]
			{Op: nn.OpAvgPool, Name: "ap", Inputs: ints(0), Ints: ints(2, 2, 2, 2, 0)},                            // 6: [2,3,3,3]
			{Op: nn.OpPad, Name: "pad", Inputs: ints(6), Ints: ints(1, 0, 0, 0, 1, 0)},                            // 7: [2,4,3,4]
			{Op: nn.OpConv2D, Name: "c5", Inputs: ints(7, 5), Ints: ints(1, 1, 1, 1), Tensors: ints(6, 7)},        // 8: residual mp, in place
			{Op: nn.OpAdd, Name: "add", Inputs: ints(8, 4), Ints: ints(1)},                                        // 9: in place
			{Op: nn.OpDepthwiseConv2D, Name: "dw2", Inputs: ints(9, 9), Ints: ints(1, 1, 1, 2), Tensors: ints(8)}, // 10: depthwise residual
			{Op: nn.OpConv2D, Name: "c9", Inputs: ints(10), Ints: ints(1, 1, 0, 0), Tensors: ints(9, 10)},         // 11: [2,3,2,8]
			{Op: nn.OpPad, Name: "pad2", Inputs: ints(11), Ints: ints(0, 1, 1, 0, 0, 0)},                          // 12: [2,4,3,8]
			{Op: nn.OpAdd, Name: "add2", Inputs: ints(12, 10), Ints: ints(0)},                                     // 13
			{Op: nn.OpMean, Name: "mean", Inputs: ints(13)},                                                       // 14: [2,8]
			{Op: nn.OpReshape, Name: "ry", Inputs: ints(1), Ints: ints(2, 3, 28)},                                 // 15: reshaped input
			{Op: nn.OpReshape, Name: "rm", Inputs: ints(14), Ints: ints(16)},                                      // 16: [16]
			{Op: nn.OpReshape, Name: "rm2", Inputs: ints(16), Ints: ints(2, 8)},                                   // 17: [2,8]
			{Op: nn.OpMatMul, Name: "fc", Inputs: ints(17), Ints: ints(2), Tensors: ints(11, 12)},                 // 18: [2,5]
			{Op: nn.OpMaxPool, Name: "mp1", Inputs: ints(13), Ints: ints(4, 3, 1, 1, 0)},                          // 19: [2,1,1,8]
			{Op: nn.OpConv2D, Name: "c1x1", Inputs: ints(19, 19), Ints: ints(1, 1, 1, 1), Tensors: ints(13, 14)},  // 20: a 3x3 SAME on a 1x1 map, residual
		},
		Outputs: []nn.FileOutput{{Name: "fc", Value: 18}, {Name: "c3", Value: 4}, {Name: "ry", Value: 15}, {Name: "c1x1", Value: 20}},
	}
}

// bandExecutor returns an executor of bandFile with a band per output row
// (every depthwise fused or split into bands) and an input for it.
func bandExecutor(t testing.TB) (*nn.Executor, []float32) {
	t.Helper()
	data, err := nn.Encode(bandFile())
	if err != nil {
		t.Fatal(err)
	}
	m, err := nn.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	defer nn.SetBandSize(1, 1)()
	e, err := nn.NewExecutor(m)
	if err != nil {
		t.Fatal(err)
	}
	in := make([]float32, m.Values[m.Inputs[0]].Elems())
	for i := range in {
		in[i] = float32(math.Cos(float64(i)))
	}
	return e, in
}

// bandFile is a graph of fused depthwise + 1x1 convolution pairs (batch 2):
// a residual that is the depthwise input (so not in place), a stride-2
// depthwise whose 1x1 convolution adds a padded residual in place, and one
// without residual.
func bandFile() *nn.File {
	vals := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = scale * float32((i*11)%19-9)
		}
		return v
	}
	f32 := func(name string, shape ...int) nn.FileTensor {
		return nn.FileTensor{Name: name, DType: nn.Float32, Shape: shape, F32: vals(nn.NumElems(shape, 1<<20), 0.05)}
	}
	ints := func(v ...int) []int { return v }
	return &nn.File{
		Name: "bands",
		Tensors: []nn.FileTensor{
			f32("dw1/w", 3, 3, 6), f32("dw1/b", 6), f32("pw1/w", 1, 1, 6, 6), f32("pw1/b", 6), // 0-3
			f32("dw2/w", 3, 3, 6), f32("pw2/w", 1, 1, 6, 10), f32("pw2/b", 10), // 4-6
			f32("dw3/w", 3, 3, 10), f32("pw3/w", 1, 1, 10, 4), f32("pw3/b", 4), // 7-9
		},
		Inputs: []nn.FileValue{{Name: "x", Shape: []int{2, 9, 7, 6}}},
		Layers: []nn.FileLayer{
			{Op: nn.OpDepthwiseConv2D, Name: "dw1", Inputs: ints(0), Ints: ints(1, 1, 1, 0), Tensors: ints(0, 1)}, // 1: [2,9,7,6]
			{Op: nn.OpConv2D, Name: "pw1", Inputs: ints(1, 0), Ints: ints(1, 1, 0, 1), Tensors: ints(2, 3)},       // 2
			{Op: nn.OpMaxPool, Name: "mp", Inputs: ints(2), Ints: ints(2, 2, 2, 2, 1)},                            // 3: [2,5,4,6]
			{Op: nn.OpPad, Name: "pad", Inputs: ints(3), Ints: ints(0, 0, 0, 0, 0, 4)},                            // 4: [2,5,4,10]
			{Op: nn.OpDepthwiseConv2D, Name: "dw2", Inputs: ints(2), Ints: ints(2, 2, 1, 2), Tensors: ints(4)},    // 5: [2,5,4,6]
			{Op: nn.OpConv2D, Name: "pw2", Inputs: ints(5, 4), Ints: ints(1, 1, 1, 1), Tensors: ints(5, 6)},       // 6: [2,5,4,10]
			{Op: nn.OpDepthwiseConv2D, Name: "dw3", Inputs: ints(6), Ints: ints(1, 1, 1, 1), Tensors: ints(7)},    // 7
			{Op: nn.OpConv2D, Name: "pw3", Inputs: ints(7), Ints: ints(1, 1, 0, 0), Tensors: ints(8, 9)},          // 8: [2,5,4,4]
		},
		Outputs: []nn.FileOutput{{Name: "out", Value: 8}, {Name: "pw1", Value: 2}},
	}
}
