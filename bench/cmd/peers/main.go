// Command peers runs kernels.Sgemm beside OpenBLAS and gonum on the same
// matrices, in one process, and prints GFLOP/s and ratios.
//
// OpenBLAS is linked through cgo only with the build tag openblas (the
// library itself stays cgo-free); it needs `apt-get install -y
// libopenblas-dev`. Without the tag the OpenBLAS column is empty.
//
//	go run -tags openblas ./cmd/peers                   # from bench/
//	OPENBLAS_CORETYPE=HASWELL go run -tags openblas ./cmd/peers -isa avx2
//
// Each shape is C = A*B, row-major, no transposes, alpha 1, beta 0. Every
// implementation runs on the same data; measurements are interleaved
// (ours, OpenBLAS, gonum, repeated -reps times) and the median is reported,
// so that a noisy machine hurts all columns alike. With -threads 1,2 each
// setting gets its own table: kernels.SetThreads, openblas_set_num_threads
// and GOMAXPROCS (which gonum follows) are all set to it.
//
// With more than one thread, each repetition is followed by an untimed
// pause (-settle): OpenBLAS's idle threads spin for 2^28 cycles (some 70 ms
// here) after every call before they sleep, and without the pause they
// take a core from whichever implementation is timed next. Ours spin for
// 200 us, so the pause is for the peer's threads, and it treats every
// column alike.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/facecluster/facecluster/internal/cputime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/kernels"
)

// defaultShapes are the issue's: squares, then the networks' convolutions as
// M = output channels, N = output pixels, K = taps x input channels.
const defaultShapes = "256x256x256,512x512x512,1024x1024x1024," +
	"32x16384x288,64x4096x576,128x1024x1152,256x256x2304,128x4096x64,96x1024x96"

func main() {
	var (
		shapesFlag  = flag.String("shapes", defaultShapes, "comma-separated MxNxK")
		threadsFlag = flag.String("threads", "1,2", "comma-separated thread counts, one table each")
		isaFlag     = flag.String("isa", "", "comma-separated levels of ours (default: every supported vector level)")
		reps        = flag.Int("reps", 7, "interleaved repetitions per implementation (median reported)")
		minTime     = flag.Duration("mintime", 150*time.Millisecond, "minimum time of one repetition")
		noGonum     = flag.Bool("nogonum", false, "skip gonum (slow on large shapes)")
		settle      = flag.Duration("settle", 150*time.Millisecond, "untimed pause after each repetition with more than one thread, so that idle threads spinning after the previous implementation have gone to sleep")
		clock       = flag.String("clock", "wall", "wall: elapsed time; cpu: the process's CPU time (user+system), which a loaded machine's preemptions do not inflate")
	)
	flag.Parse()
	switch *clock {
	case "wall":
	case "cpu":
		useCPUClock = true
	default:
		fatal(fmt.Errorf("bad -clock %q (want wall or cpu)", *clock))
	}
	shapes, err := parseShapes(*shapesFlag)
	if err != nil {
		fatal(err)
	}
	levels, err := parseLevels(*isaFlag)
	if err != nil {
		fatal(err)
	}
	var threads []int
	for _, s := range strings.Split(*threadsFlag, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || t < 1 {
			fatal(fmt.Errorf("bad -threads %q", *threadsFlag))
		}
		threads = append(threads, t)
	}

	fmt.Printf("cpu: %s; GOMAXPROCS at start %d; load average %s\n", cpuName(), runtime.GOMAXPROCS(0), loadAvg())
	fmt.Printf("ours: kernels.Sgemm at %v; openblas: %s; gonum: blas32.Gemm\n", levels, openblasInfo())
	for _, th := range threads {
		runtime.GOMAXPROCS(th)
		kernels.SetThreads(th)
		openblasSetThreads(th)
		fmt.Printf("\nthreads=%d (GFLOP/s of %s time, median of %d)\n", th, *clock, *reps)
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		hdr := []string{"M", "N", "K"}
		for _, l := range levels {
			hdr = append(hdr, "ours-"+l.String())
		}
		if openblasAvailable {
			hdr = append(hdr, "openblas")
		}
		if !*noGonum {
			hdr = append(hdr, "gonum")
		}
		for _, l := range levels {
			if openblasAvailable {
				hdr = append(hdr, l.String()+"/openblas")
			}
			if !*noGonum {
				hdr = append(hdr, l.String()+"/gonum")
			}
		}
		fmt.Fprintln(tw, strings.Join(hdr, "\t")+"\t")
		for _, s := range shapes {
			pause := time.Duration(0)
			if th > 1 {
				pause = *settle
			}
			res := measure(s, levels, *reps, *minTime, pause, *noGonum)
			row := []string{strconv.Itoa(s.m), strconv.Itoa(s.n), strconv.Itoa(s.k)}
			for _, l := range levels {
				row = append(row, fmt.Sprintf("%.1f", res[l.String()]))
			}
			if openblasAvailable {
				row = append(row, fmt.Sprintf("%.1f", res["openblas"]))
			}
			if !*noGonum {
				row = append(row, fmt.Sprintf("%.2f", res["gonum"]))
			}
			for _, l := range levels {
				if openblasAvailable {
					row = append(row, fmt.Sprintf("%.2fx", res[l.String()]/res["openblas"]))
				}
				if !*noGonum {
					row = append(row, fmt.Sprintf("%.1fx", res[l.String()]/res["gonum"]))
				}
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
	}
	kernels.SetThreads(0)
}

type shape struct{ m, n, k int }

func parseShapes(s string) ([]shape, error) {
	var out []shape
	for _, f := range strings.Split(s, ",") {
		var sh shape
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%dx%dx%d", &sh.m, &sh.n, &sh.k); err != nil || sh.m < 1 || sh.n < 1 || sh.k < 1 {
			return nil, fmt.Errorf("bad shape %q (want MxNxK)", f)
		}
		out = append(out, sh)
	}
	return out, nil
}

func parseLevels(s string) ([]asm.Level, error) {
	if s == "" {
		var ls []asm.Level
		for _, l := range slices.Backward(asm.Levels()) {
			if l != asm.Generic {
				ls = append(ls, l)
			}
		}
		if len(ls) == 0 {
			ls = []asm.Level{asm.Generic}
		}
		return ls, nil
	}
	var ls []asm.Level
	for _, f := range strings.Split(s, ",") {
		l, err := asm.ParseLevel(f)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(asm.Levels(), l) {
			return nil, fmt.Errorf("level %v not supported here (have %v)", l, asm.Levels())
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// measure returns the median GFLOP/s of each implementation on shape s.
// A pause (untimed) follows each repetition.
func measure(s shape, levels []asm.Level, reps int, minTime, pause time.Duration, noGonum bool) map[string]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float32, s.m*s.k)
	b := make([]float32, s.k*s.n)
	c := make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	type impl struct {
		name string
		run  func()
	}
	var impls []impl
	for _, l := range levels {
		impls = append(impls, impl{l.String(), func() {
			prev, _ := asm.SetISA(l)
			kernels.Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c, s.n)
			asm.SetISA(prev)
		}})
	}
	if openblasAvailable {
		impls = append(impls, impl{"openblas", func() { openblasSgemm(s.m, s.n, s.k, a, b, c) }})
	}
	if !noGonum {
		ga := blas32.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: a}
		gb := blas32.General{Rows: s.k, Cols: s.n, Stride: s.n, Data: b}
		gc := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: c}
		impls = append(impls, impl{"gonum", func() { blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc) }})
	}
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
	samples := map[string][]float64{}
	for _, im := range impls {
		im.run() // warm: pools, pages, caches
	}
	for range reps {
		for _, im := range impls {
			iters := 0
			start, cpu0 := time.Now(), cputime.Process()
			var el time.Duration
			for el < minTime || iters < 2 {
				im.run()
				iters++
				el = time.Since(start)
			}
			if useCPUClock {
				el = cputime.Process() - cpu0
			}
			samples[im.name] = append(samples[im.name], flops*float64(iters)/el.Seconds()/1e9)
			time.Sleep(pause)
		}
	}
	res := map[string]float64{}
	for name, v := range samples {
		slices.Sort(v)
		res[name] = v[len(v)/2]
	}
	return res
}

var useCPUClock bool

func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "peers:", err)
	os.Exit(2)
}
