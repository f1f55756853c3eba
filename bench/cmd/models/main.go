// Command models times the three networks whole, batch 1, in facecluster's
// executor (nn.Executor on package kernels) beside ONNX Runtime and TF.js
// WASM on the same input, and prints milliseconds and ratios.
//
//	go run ./cmd/models -onnx DIR -ort ORT_NODE_MODULES -tfjs TFJS_NODE_MODULES   # from bench/
//
// `make bench-peers` prepares the peers and runs it:
//   - DIR holds the models written as ONNX from our model files by gen/onnx
//     (`cd gen && go run ./onnx -out DIR`);
//   - ORT_NODE_MODULES is a node_modules with npm onnxruntime-node, which
//     ships the native library (`npm install --ignore-scripts`), run by
//     ort.js with intra-op threads 1 or 2 and all graph optimisations;
//   - TFJS_NODE_MODULES is gen/golden's (`npm ci --ignore-scripts` there):
//     TF.js 4.22.0 with the WASM backend (XNNPACK, SIMD) and the original
//     model files the goldens come from, run by tfjs.js on one thread.
//
// Each network gets the preprocessed golden image of seed 1
// (testdata/golden). Every runtime is warmed up, then timed in -reps
// batches of at least -mintime each; the table shows the median batch (and
// the fastest in brackets) per run, by the wall clock and by the process's
// CPU time (user + system, all threads), which other processes on a busy
// machine do not inflate as much. The machine's load average is printed
// before and after: peers run one after another, so a busy machine can
// favour either side; -rounds N times each model N times over, ours and
// the peers in turn, and reports the median of the rounds' medians (and
// the fastest batch of all), so that a load that comes and goes weighs on
// every runtime alike. The outputs of ONNX Runtime and TF.js are compared
// with ours (max abs error relative to the largest output magnitude, and
// cosine), so the table never times a wrong model.
//
// -heap measures the memory of one detector and both embedders (models
// decoded, an executor and a session each, one inference each) in this
// fresh process; -profile prints our time per layer kind.
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
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/kernels"
	"github.com/facecluster/facecluster/models"
	"github.com/facecluster/facecluster/nn"
)

type model struct {
	name   string // golden prefix and tfjs.js name
	onnx   string // file in -onnx
	load   func() (*nn.Model, error)
	pre    func(img []uint8) []float32
	hwc    [3]int
	golden string
}

var nets = []model{
	{"blazeface", "blazeface-back.onnx", models.BlazeFaceBack, preBlazeFace, [3]int{256, 256, 3}, "blazeface-1.input.npy"},
	{"dlib", "dlib-resnet.onnx", models.DlibResNet, preDlib, [3]int{150, 150, 3}, "dlib-1.input.npy"},
	{"faceres", "faceres.onnx", models.FaceRes, preFaceRes, [3]int{224, 224, 3}, "faceres-1.input.npy"},
}

// Preprocessing as ../../shared/MODELS.md and nn's golden tests: float32
// ops, one rounding each.
func preBlazeFace(img []uint8) []float32 {
	out := make([]float32, len(img))
	for i, p := range img {
		out[i] = float32(p)/float32(127.5) - 1
	}
	return out
}

func preDlib(img []uint8) []float32 {
	mean := [3]float32{122.782, 117.001, 104.298}
	out := make([]float32, len(img))
	for i, p := range img {
		out[i] = (float32(p) - mean[i%3]) / 255
	}
	return out
}

func preFaceRes(img []uint8) []float32 {
	mean := [3]float32{103.939, 116.779, 123.68} // B, G, R
	out := make([]float32, len(img))
	for i := 0; i < len(img); i += 3 {
		for c := range 3 {
			out[i+c] = float32(img[i+2-c]) - mean[c]
		}
	}
	return out
}

func main() {
	var (
		onnxDir  = flag.String("onnx", "", "directory of the ONNX models (gen/onnx); empty skips ONNX Runtime")
		ortMods  = flag.String("ort", "", "node_modules holding onnxruntime-node; empty skips ONNX Runtime")
		tfjsMods = flag.String("tfjs", "", "node_modules holding gen/golden's TF.js packages; empty skips TF.js")
		golden   = flag.String("golden", "../testdata/golden", "directory of the golden inputs")
		only     = flag.String("models", "blazeface,dlib,faceres", "comma-separated models")
		threads  = flag.String("threads", "1,2", "comma-separated thread counts (ours and ONNX Runtime)")
		reps     = flag.Int("reps", 9, "timed batches per runtime (median reported)")
		rounds   = flag.Int("rounds", 1, "rounds of ours and the peers in turn per model (median of the rounds' medians reported)")
		minTime  = flag.Duration("mintime", 300*time.Millisecond, "minimum time of one batch")
		heap     = flag.Bool("heap", true, "measure the memory of the three models first")
		profile  = flag.Bool("profile", true, "print our time per layer kind (one thread)")
	)
	flag.Parse()
	var ths []int
	for _, s := range strings.Split(*threads, ",") {
		var t int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &t); err != nil || t < 1 {
			fatal(fmt.Errorf("bad -threads %q", *threads))
		}
		ths = append(ths, t)
	}
	if *heap {
		memory()
	}
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
	tmp, err := os.MkdirTemp("", "facecluster-bench-models-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)

	fmt.Printf("cpu: %s; ISA %s; GOMAXPROCS %d; load average %s\n", cpuName(), kernels.ISA(), runtime.GOMAXPROCS(0), loadAvg())
	type row struct {
		name           string
		ours, ort      map[int]stat
		tfjs           stat
		ortErr, tfjErr string
		// Per round, ONNX Runtime's and TF.js's median over ours (wall,
		// CPU): the ratios shown are their medians.
		ortRatio map[int][2][]float64
		tfjRatio [2][]float64
	}
	var rows []row
	for _, n := range nets {
		if !slices.Contains(strings.Split(*only, ","), n.name) {
			continue
		}
		img := readNpyU8(filepath.Join(*golden, n.golden))
		in := n.pre(img)
		m, err := n.load()
		if err != nil {
			fatal(err)
		}
		e, err := nn.NewExecutor(m)
		if err != nil {
			fatal(err)
		}
		r := row{name: n.name, ours: map[int]stat{}, ort: map[int]stat{}, ortRatio: map[int][2][]float64{}}
		s := e.NewSession()
		var ours []float32
		kernels.SetThreads(0)
		outs, _ := s.Run(in)
		for _, o := range outs {
			ours = append(ours, o...)
		}
		if *profile {
			layerProfile(n.name, e, in)
		}
		inFile := filepath.Join(tmp, n.name+".input.f32")
		imgFile := filepath.Join(tmp, n.name+".image.u8")
		writeF32(inFile, in)
		if err := os.WriteFile(imgFile, img, 0o644); err != nil {
			fatal(err)
		}
		oursR, ortR := map[int][]stat{}, map[int][]stat{}
		var tfjsR []stat
		for range *rounds {
			for _, t := range ths {
				kernels.SetThreads(t)
				oursR[t] = append(oursR[t], timeIt(*reps, *minTime, func() {
					if _, err := s.Run(in); err != nil {
						fatal(err)
					}
				}))
			}
			kernels.SetThreads(0)
			if *onnxDir != "" && *ortMods != "" {
				for _, t := range ths {
					outFile := filepath.Join(tmp, fmt.Sprintf("%s.ort%d.f32", n.name, t))
					st, err := node(*ortMods, filepath.Join(dir, "ort.js"), filepath.Join(*onnxDir, n.onnx), inFile,
						fmt.Sprintf("%d,%d,%d", n.hwc[0], n.hwc[1], n.hwc[2]), fmt.Sprint(t), fmt.Sprint(*reps),
						fmt.Sprint(minTime.Milliseconds()), outFile)
					if err != nil {
						fatal(fmt.Errorf("ONNX Runtime, %s: %w", n.name, err))
					}
					ortR[t] = append(ortR[t], st)
					o := oursR[t][len(oursR[t])-1]
					q := r.ortRatio[t]
					q[0], q[1] = append(q[0], st.med/o.med), append(q[1], st.cpuMed/o.cpuMed)
					r.ortRatio[t] = q
					r.ortErr = agreement(ours, readF32(outFile))
				}
			}
			if *tfjsMods != "" {
				outFile := filepath.Join(tmp, n.name+".tfjs.f32")
				st, err := node(*tfjsMods, filepath.Join(dir, "tfjs.js"), n.name, inFile, imgFile,
					fmt.Sprint(*reps), fmt.Sprint(minTime.Milliseconds()), outFile)
				if err != nil {
					fatal(fmt.Errorf("TF.js, %s: %w", n.name, err))
				}
				tfjsR = append(tfjsR, st)
				o := oursR[ths[0]][len(oursR[ths[0]])-1]
				r.tfjRatio[0] = append(r.tfjRatio[0], st.med/o.med)
				r.tfjRatio[1] = append(r.tfjRatio[1], st.cpuMed/o.cpuMed)
				r.tfjErr = agreement(ours, readF32(outFile))
			}
		}
		for _, t := range ths {
			r.ours[t] = combine(oursR[t])
			if len(ortR[t]) > 0 {
				r.ort[t] = combine(ortR[t])
			}
		}
		if len(tfjsR) > 0 {
			r.tfjs = combine(tfjsR)
		}
		rows = append(rows, r)
	}
	fmt.Printf("load average after: %s\n", loadAvg())
	for _, cpu := range []bool{false, true} {
		if cpu {
			fmt.Println("\nprocess CPU milliseconds per inference (all threads: with 2 threads this is work, not latency; with 1 thread the steadier latency measure on a loaded machine):")
		} else {
			fmt.Println("\nwall-clock milliseconds per inference, batch 1: median of the batches (of the rounds' medians) [fastest]; ratio = peer median / our median, the median over the rounds (> 1: we are faster):")
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		hdr := "model\t"
		for _, t := range ths {
			hdr += fmt.Sprintf("ours %dt\tONNX RT %dt\tratio\t", t, t)
		}
		hdr += "TF.js WASM 1t\tratio vs ours 1t\t"
		fmt.Fprintln(tw, hdr)
		for _, r := range rows {
			line := r.name + "\t"
			for _, t := range ths {
				line += fmt.Sprintf("%s\t%s\t%s\t", r.ours[t].show(cpu), r.ort[t].show(cpu), ratio(r.ortRatio[t], cpu))
			}
			line += fmt.Sprintf("%s\t%s\t", r.tfjs.show(cpu), ratio(r.tfjRatio, cpu))
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}
	fmt.Println("\noutputs vs ours (max abs err / max |ours|, 1 - cosine):")
	for _, r := range rows {
		fmt.Printf("  %-10s ONNX Runtime: %s; TF.js: %s\n", r.name, orNA(r.ortErr), orNA(r.tfjErr))
	}
}

// stat is a timing: median and fastest batch, in ms per run, of the wall
// clock and of the process's CPU time.
type stat struct{ med, min, cpuMed, cpuMin float64 }

func (s stat) show(cpu bool) string {
	if s.med == 0 {
		return "-"
	}
	if cpu {
		return fmt.Sprintf("%.2f [%.2f]", s.cpuMed, s.cpuMin)
	}
	return fmt.Sprintf("%.2f [%.2f]", s.med, s.min)
}

// ratio shows the median of the rounds' ratios (wall clock, or CPU).
func ratio(q [2][]float64, cpu bool) string {
	r := q[0]
	if cpu {
		r = q[1]
	}
	if len(r) == 0 {
		return "-"
	}
	r = slices.Clone(r)
	slices.Sort(r)
	return fmt.Sprintf("%.2fx", r[len(r)/2])
}

func orNA(s string) string {
	if s == "" {
		return "not run"
	}
	return s
}

func statOf(ms, cpu []float64) stat {
	slices.Sort(ms)
	slices.Sort(cpu)
	return stat{med: ms[len(ms)/2], min: ms[0], cpuMed: cpu[len(cpu)/2], cpuMin: cpu[0]}
}

// combine merges the stats of several rounds: the median of their medians
// and the fastest batch of all.
func combine(rs []stat) stat {
	var med, cpuMed []float64
	c := stat{min: math.Inf(1), cpuMin: math.Inf(1)}
	for _, r := range rs {
		med = append(med, r.med)
		cpuMed = append(cpuMed, r.cpuMed)
		c.min, c.cpuMin = min(c.min, r.min), min(c.cpuMin, r.cpuMin)
	}
	slices.Sort(med)
	slices.Sort(cpuMed)
	c.med, c.cpuMed = med[len(med)/2], cpuMed[len(cpuMed)/2]
	return c
}

// timeIt warms f up, then times reps batches of at least minTime.
func timeIt(reps int, minTime time.Duration, f func()) stat {
	for range 5 {
		f()
	}
	var ms, cpu []float64
	for range reps {
		n := 0
		c0 := cputime.Process()
		t0 := time.Now()
		for time.Since(t0) < minTime {
			f()
			n++
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1e3/float64(n))
		cpu = append(cpu, float64((cputime.Process()-c0).Microseconds())/1e3/float64(n))
	}
	return statOf(ms, cpu)
}

// node runs a peer script and parses its JSON line.
func node(modules, script string, args ...string) (stat, error) {
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return stat{}, err
	}
	var res struct {
		Runtime string    `json:"runtime"`
		MS      []float64 `json:"ms"`
		CPU     []float64 `json:"cpu"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || len(res.MS) == 0 || len(res.CPU) != len(res.MS) {
		return stat{}, fmt.Errorf("unexpected output %q", out)
	}
	fmt.Printf("  %s: %s\n", filepath.Base(script), res.Runtime)
	return statOf(res.MS, res.CPU), nil
}

// agreement compares a peer's outputs with ours.
func agreement(ours, peer []float32) string {
	if len(ours) != len(peer) {
		return fmt.Sprintf("MISMATCH: %d values, ours %d", len(peer), len(ours))
	}
	var maxAbs, maxMag, dot, na, nb float64
	for i, a := range ours {
		a, b := float64(a), float64(peer[i])
		maxAbs = max(maxAbs, math.Abs(a-b))
		maxMag = max(maxMag, math.Abs(a))
		dot += a * b
		na += a * a
		nb += b * b
	}
	return fmt.Sprintf("%.2g, %.2g", maxAbs/maxMag, 1-dot/math.Sqrt(na*nb))
}

// layerProfile prints our time per layer kind over a few runs, 1 thread.
func layerProfile(name string, e *nn.Executor, in []float32) {
	defer kernels.SetThreads(kernels.SetThreads(1))
	s := e.NewSession()
	s.SetTiming(true)
	m := e.Model()
	byKind := map[string]time.Duration{}
	macs := map[string]int64{}
	var total time.Duration
	const runs = 31
	kinds := make([]string, len(m.Layers))
	for i := range m.Layers {
		kinds[i] = kind(&m.Layers[i], m)
		if i > 0 && e.FusedWithNext(i-1) {
			kinds[i] = kinds[i-1]
		} else if e.FusedWithNext(i) {
			kinds[i] += " + " + kind(&m.Layers[i+1], m) + " (fused)"
		}
		macs[kinds[i]] += m.Layers[i].MACs
	}
	// Per layer, the median over the runs: a run preempted by another
	// process on a busy machine does not skew it.
	per := make([][]time.Duration, len(m.Layers))
	for range runs {
		if _, err := s.Run(in); err != nil {
			fatal(err)
		}
		for i, d := range s.Times() {
			per[i] = append(per[i], d)
		}
	}
	for i, ds := range per {
		slices.Sort(ds)
		byKind[kinds[i]] += runs * ds[len(ds)/2]
		total += runs * ds[len(ds)/2]
	}
	keys := make([]string, 0, len(byKind))
	for k := range byKind {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return int(byKind[b] - byKind[a]) })
	fmt.Printf("%s, one thread, time per layer kind (sum of per-layer medians over %d runs, total %.2f ms):\n", name, runs, ms(total/runs))
	for _, k := range keys {
		d := byKind[k] / runs
		fmt.Printf("  %-70s %6.2f ms %5.1f%%  %6.1f GMAC/s\n", k, ms(d), 100*float64(d)/float64(total/runs), float64(macs[k])/float64(d.Nanoseconds()))
	}
}

func kind(l *nn.Layer, m *nn.Model) string {
	switch l.Op {
	case nn.OpConv2D:
		s := m.Values[l.In[0]].Shape
		return fmt.Sprintf("Conv2D %dx%d/s%d Cin %d", l.KH, l.KW, l.SH, s[3])
	case nn.OpDepthwiseConv2D:
		return fmt.Sprintf("DepthwiseConv2D 3x3/s%d", l.SH)
	}
	return l.Op.String()
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// memory loads one detector and both embedders with an executor and a
// session each, runs each once, and reports the heap.
func memory() {
	runtime.GC()
	var base, ms runtime.MemStats
	runtime.ReadMemStats(&base)
	peak := uint64(0)
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	arena, packed := 0, 0
	var keep []any
	for _, n := range nets {
		m, err := n.load()
		if err != nil {
			fatal(err)
		}
		sample()
		e, err := nn.NewExecutor(m)
		if err != nil {
			fatal(err)
		}
		s := e.NewSession()
		arena += e.ArenaBytes()
		packed += e.PackedBytes()
		in := make([]float32, n.hwc[0]*n.hwc[1]*n.hwc[2])
		for _, t := range []int{1, 2} {
			kernels.SetThreads(t)
			if _, err := s.Run(in); err != nil {
				fatal(err)
			}
			sample()
		}
		keep = append(keep, e, s)
	}
	kernels.SetThreads(0)
	runtime.GC()
	var live runtime.MemStats
	runtime.ReadMemStats(&live)
	mb := func(b uint64) float64 { return float64(b) / (1 << 20) }
	fmt.Printf("memory, one detector + both embedders (models decoded to float32, an executor and a session each, one run each at 1 and 2 threads):\n")
	fmt.Printf("  live heap after GC %.1f MiB (%.1f MiB above the start; session arenas %.1f MiB; filters packed for the GEMM %.1f MiB); peak sampled heap %.1f MiB; HeapSys %.1f MiB; peak RSS %s\n",
		mb(live.HeapAlloc), mb(live.HeapAlloc-base.HeapAlloc), float64(arena)/(1<<20), float64(packed)/(1<<20), mb(peak), mb(live.HeapSys), vmHWM())
	runtime.KeepAlive(keep)
	debug.FreeOSMemory()
}

func readNpyU8(path string) []uint8 {
	data, err := os.ReadFile(path)
	if err != nil {
		fatal(err)
	}
	if len(data) < 10 || string(data[:6]) != "\x93NUMPY" {
		fatal(fmt.Errorf("%s: not a .npy file", path))
	}
	hl := int(binary.LittleEndian.Uint16(data[8:]))
	if !strings.Contains(string(data[10:10+hl]), "'|u1'") {
		fatal(fmt.Errorf("%s: not uint8", path))
	}
	return data[10+hl:]
}

func writeF32(path string, x []float32) {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fatal(err)
	}
}

func readF32(path string) []float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		fatal(err)
	}
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x
}

func cpuName() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.Index(l, ":"); i >= 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func vmHWM() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "models:", err)
	os.Exit(1)
}
