package clusterbench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/facecluster/facecluster/internal/cputime"

	"github.com/facecluster/facecluster/cluster"
	"github.com/facecluster/facecluster/vec"
)

func TestChineseWhispers(t *testing.T) {
	// Two triangles joined by nothing, and a lone face.
	g := Graph{{1, 2}, {0, 2}, {0, 1}, {4, 5}, {3, 5}, {3, 4}, {}}
	got := fmt.Sprint(ChineseWhispers(g, 50, 1))
	if got != "[0 0 0 1 1 1 2]" {
		t.Fatalf("labels %s", got)
	}
}

func TestDBSCAN(t *testing.T) {
	// A path 0-1-2-3 (1 and 2 core with minPts 3), a pair 4-5 (no core),
	// and a lone face.
	g := Graph{{1}, {0, 2}, {1, 3}, {2}, {5}, {4}, {}}
	got := fmt.Sprint(DBSCAN(g, 3))
	if got != "[0 0 0 0 1 2 3]" {
		t.Fatalf("labels %s", got)
	}
}

func TestGenerateCalibrated(t *testing.T) {
	for _, m := range []Mode{Fast, Accurate} {
		x, truth := Generate(m, 1500, 1)
		var gs, is float64
		var gn, in int
		for i := range 1500 {
			for j := i + 1; j < 1500; j += 7 {
				d := float64(1 - vec.Dot(x.Row(i), x.Row(j)))
				if truth[i] == truth[j] {
					gs += d
					gn++
				} else {
					is += d
					in++
				}
			}
		}
		g, im := gs/float64(gn), is/float64(in)
		t.Logf("%s: genuine %.3f (want %.2f), impostor %.3f (want %.2f)", m.Name, g, m.Genuine, im, m.Impostor)
		if g < m.Genuine-0.03 || g > m.Genuine+0.03 || im < m.Impostor-0.05 || im > m.Impostor+0.05 {
			t.Errorf("%s: distances off calibration", m.Name)
		}
	}
}

// TestQualitySynthetic compares the algorithms and baselines on synthetic
// features of both modes (a log, not a timed or tuned assertion).
func TestQualitySynthetic(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 1000
	}
	for _, m := range []Mode{Fast, Accurate} {
		x, truth := Generate(m, n, 2)
		w := runtime.GOMAXPROCS(0)
		runs := []struct {
			name string
			run  func() []int
		}{
			{"exact-average", func() []int {
				return mustLabels(cluster.Exact(&cluster.Input{Features: x}, cluster.Options{Threshold: m.Threshold}))
			}},
			{"exact-complete", func() []int {
				return mustLabels(cluster.Exact(&cluster.Input{Features: x}, cluster.Options{Threshold: m.Threshold * 1.5, Linkage: cluster.Complete}))
			}},
			{"sparse-k32", func() []int {
				return mustLabels(cluster.Sparse(&cluster.Input{Features: x}, cluster.SparseOptions{Options: cluster.Options{Threshold: m.Threshold}}))
			}},
			{"chinese-whispers", func() []int { return ChineseWhispers(ThresholdGraph(x, m.Threshold, w), 100, 1) }},
			{"dbscan", func() []int { return DBSCAN(ThresholdGraph(x, m.Threshold, w), 3) }},
		}
		for _, r := range runs {
			s, err := cluster.Evaluate(r.run(), truth)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-8s %-16s BCubed F %.4f  pairwise F %.4f  NMI %.4f  clusters %d (people %d)", m.Name, r.name, s.BCubedF, s.PairwiseF, s.NMI, s.Clusters, s.Classes)
		}
	}
}

func mustLabels(r *cluster.Result, err error) []int {
	if err != nil {
		panic(err)
	}
	return r.Labels
}

// lastCPU is the CPU time, in seconds, of the last call of peak.
var lastCPU float64

// peak runs f while sampling the heap, and returns the largest HeapAlloc
// seen above the level before f, in MiB. It records f's process CPU time
// in lastCPU (on a loaded machine, wall time overstates the work).
func peak(f func()) float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	maxHeap := base
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var s runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&s)
				maxHeap = max(maxHeap, s.HeapAlloc)
			}
		}
	})
	c0 := cputime.Process()
	f()
	lastCPU = (cputime.Process() - c0).Seconds()
	runtime.ReadMemStats(&ms)
	close(done)
	wg.Wait()
	maxHeap = max(maxHeap, ms.HeapAlloc)
	return float64(maxHeap-base) / (1 << 20)
}

// report adds quality and memory metrics to b.
func report(b *testing.B, labels, truth []int, peakMiB float64) {
	s, err := cluster.Evaluate(labels, truth)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(s.BCubedF, "bcubedF")
	b.ReportMetric(s.PairwiseF, "pairF")
	b.ReportMetric(float64(s.Clusters), "clusters")
	b.ReportMetric(peakMiB, "peak-MiB")
	b.ReportMetric(lastCPU, "cpu-s")
}

// BenchmarkExact: 10,000 faces, average linkage (targets: < 1 s for 128-d,
// < 3 s for 1152-d on 2 cores).
func BenchmarkExact(b *testing.B) {
	for _, m := range []Mode{Fast, Accurate} {
		b.Run(fmt.Sprintf("%s/n=10000", m.Name), func(b *testing.B) {
			x, truth := Generate(m, 10000, 3)
			var labels []int
			var pk float64
			for b.Loop() {
				pk = peak(func() {
					labels = mustLabels(cluster.Exact(&cluster.Input{Features: x}, cluster.Options{Threshold: m.Threshold}))
				})
			}
			report(b, labels, truth, pk)
		})
	}
}

// BenchmarkSparse: 100,000 faces (targets: < 10 s for 128-d, < 60 s for
// 1152-d on 2 cores), K = 32. "exact" compares every pair; "pca" searches
// 4·K candidates in a 64-d (128-d features) or 128-d (1152-d) principal
// projection and re-ranks them exactly; "ivf" probes 16 of 2·√N k-means
// cells. knn-recall is the fraction of the true neighbours within the
// threshold (of 300 sampled faces) that the graph holds.
func BenchmarkSparse(b *testing.B) {
	for _, m := range []Mode{Fast, Accurate} {
		x, truth := Generate(m, 100000, 4)
		for _, name := range []string{"exact", "pca", "ivf"} {
			opt := cluster.SparseOptions{Options: cluster.Options{Threshold: m.Threshold}, K: 32}
			switch name {
			case "pca":
				opt.SearchDim = 64
				if m.Dim > 128 {
					opt.SearchDim = 128
				}
			case "ivf":
				opt.Index = cluster.IndexIVF
			}
			b.Run(fmt.Sprintf("%s/n=100000/%s", m.Name, name), func(b *testing.B) {
				var labels []int
				var pk float64
				for b.Loop() {
					pk = peak(func() {
						labels = mustLabels(cluster.Sparse(&cluster.Input{Features: x}, opt))
					})
				}
				report(b, labels, truth, pk)
				if name != "exact" {
					b.StopTimer()
					g, err := cluster.NearestNeighbours(x, opt)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(recallSample(x, g, opt.K, m.Threshold, 300), "knn-recall")
				}
			})
		}
	}
}

// BenchmarkBaselines: Chinese Whispers and DBSCAN on the same 10,000 faces,
// threshold graph included.
func BenchmarkBaselines(b *testing.B) {
	w := runtime.GOMAXPROCS(0)
	for _, m := range []Mode{Fast, Accurate} {
		x, truth := Generate(m, 10000, 3)
		algos := []struct {
			name string
			run  func() []int
		}{
			{"chinese-whispers", func() []int { return ChineseWhispers(ThresholdGraph(x, m.Threshold, w), 100, 1) }},
			{"dbscan", func() []int { return DBSCAN(ThresholdGraph(x, m.Threshold, w), 3) }},
		}
		for _, a := range algos {
			b.Run(fmt.Sprintf("%s/n=10000/%s", m.Name, a.name), func(b *testing.B) {
				var labels []int
				var pk float64
				for b.Loop() {
					pk = peak(func() { labels = a.run() })
				}
				report(b, labels, truth, pk)
			})
		}
	}
}

// BenchmarkIVF1M: 1,000,000 128-d faces through the IVF index, probing 48
// of 2000 cells, K = 16 (target: < 5 min, kNN recall >= 0.95). Reports the
// recall of the graph's neighbours within the threshold against brute
// force on 500 faces.
func BenchmarkIVF1M(b *testing.B) {
	const n = 1000000
	x, truth := Generate(Fast, n, 5)
	opt := cluster.SparseOptions{Options: cluster.Options{Threshold: Fast.Threshold}, K: 16, Index: cluster.IndexIVF, IVF: cluster.IVFOptions{Probe: 48}}
	var labels []int
	var pk float64
	for b.Loop() {
		pk = peak(func() {
			labels = mustLabels(cluster.Sparse(&cluster.Input{Features: x}, opt))
		})
	}
	report(b, labels, truth, pk)
	b.StopTimer()
	g, err := cluster.NearestNeighbours(x, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(recallSample(x, g, opt.K, Fast.Threshold, 500), "knn-recall")
}

// recallSample is the fraction of the true k nearest neighbours within
// maxDist, of q sampled faces, that g holds.
func recallSample(x vec.Matrix, g *cluster.KNNGraph, k int, maxDist float32, q int) float64 {
	rng := rand.New(rand.NewPCG(6, 7))
	dist := make([]float32, x.Rows)
	var found, total int
	for range q {
		i := rng.IntN(x.Rows)
		vec.Distances(x.Row(i), x, vec.Cosine, dist)
		dist[i] = 3
		nb, _ := g.Row(i)
		have := map[int32]bool{}
		for _, j := range nb {
			have[j] = true
		}
		for _, j := range vec.TopK(dist, k) {
			if dist[j] > maxDist {
				break
			}
			total++
			if have[int32(j)] {
				found++
			}
		}
	}
	if total == 0 {
		return 1
	}
	return float64(found) / float64(total)
}

func TestThresholdGraph(t *testing.T) {
	x, _ := Generate(Fast, 700, 9)
	g := ThresholdGraph(x, Fast.Threshold, 3)
	for i := range x.Rows {
		k := 0
		for j := range x.Rows {
			if j == i || 1-vec.Dot(x.Row(i), x.Row(j)) > Fast.Threshold+1e-6 {
				continue
			}
			if 1-vec.Dot(x.Row(i), x.Row(j)) < Fast.Threshold-1e-6 {
				if k >= len(g[i]) || int(g[i][k]) != j {
					t.Fatalf("face %d: neighbour %d missing from %v", i, j, g[i])
				}
			}
			if k < len(g[i]) && int(g[i][k]) == j {
				k++
			}
		}
		if k != len(g[i]) {
			t.Fatalf("face %d: extra neighbours in %v", i, g[i])
		}
	}
}

// BenchmarkIVFGraph: the approximate kNN graph alone (the IVF index's
// k-means, probes and search) on 200,000 128-d faces, with the 1M run's
// settings scaled (about 2·√N lists, 32 probes, K = 16).
func BenchmarkIVFGraph(b *testing.B) {
	const n = 200000
	x, _ := Generate(Fast, n, 5)
	opt := cluster.SparseOptions{Options: cluster.Options{Threshold: Fast.Threshold}, K: 16, Index: cluster.IndexIVF, IVF: cluster.IVFOptions{Probe: 32}}
	var g *cluster.KNNGraph
	for b.Loop() {
		c0 := cputime.Process()
		var err error
		if g, err = cluster.NearestNeighbours(x, opt); err != nil {
			b.Fatal(err)
		}
		lastCPU = (cputime.Process() - c0).Seconds()
	}
	b.ReportMetric(lastCPU, "cpu-s")
	b.StopTimer()
	b.ReportMetric(recallSample(x, g, opt.K, Fast.Threshold, 300), "knn-recall")
}
