package vec_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/vec"
)

// topKRef is the reference TopK: a stable sort of all indices with NaN last.
func topKRef(dist []float32, k int) []int {
	idx := make([]int, len(dist))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := dist[idx[i]], dist[idx[j]]
		if a != a || b != b {
			return a == a && b != b
		}
		return a < b
	})
	return idx[:max(0, min(k, len(dist)))]
}

func checkTopK(t *testing.T, dist []float32, k int) {
	t.Helper()
	rd := isatest.ReadOnly(dist)
	got := vec.TopK(dist, k)
	want := topKRef(dist, k)
	if got == nil || !slices.Equal(got, want) {
		t.Fatalf("TopK(%v, %d) = %v, want %v", dist, k, got, want)
	}
	rd(t, "dist")
}

func TestTopK(t *testing.T) {
	isatest.ForEach(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		inf := float32(math.Inf(1))
		negZero := float32(math.Copysign(0, -1))
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 100, 1000} {
			for trial := range 8 {
				dist := make([]float32, n)
				for i := range dist {
					switch trial % 4 {
					case 0: // distinct values
						dist[i] = rng.Float32()
					case 1: // many ties
						dist[i] = float32(rng.IntN(5))
					case 2: // ties, NaN, infinities and signed zeros
						switch rng.IntN(8) {
						case 0:
							dist[i] = nan32
						case 1:
							dist[i] = inf
						case 2:
							dist[i] = -inf
						case 3:
							dist[i] = negZero
						default:
							dist[i] = float32(rng.IntN(3))
						}
					case 3: // mostly NaN
						dist[i] = nan32
						if rng.IntN(4) == 0 {
							dist[i] = float32(rng.IntN(3))
						}
					}
				}
				if trial == 7 { // descending: every element displaces the worst
					for i := range dist {
						dist[i] = float32(n - i)
					}
				}
				for _, k := range []int{-3, 0, 1, 2, 3, n / 2, n - 1, n, n + 1, 1 << 40} {
					checkTopK(t, dist, k)
				}
			}
		}
		if got := vec.TopK(nil, 3); got == nil || len(got) != 0 {
			t.Fatalf("TopK(nil, 3) = %#v, want an empty slice", got)
		}
		// A NaN is returned only when numbers run out, and never ahead of one.
		got := vec.TopK([]float32{nan32, 2, nan32, inf, 1}, 4)
		if !slices.Equal(got, []int{4, 1, 3, 0}) {
			t.Fatalf("TopK with NaN = %v, want [4 1 3 0]", got)
		}
	})
}

func TestTopKAllocs(t *testing.T) {
	dist := make([]float32, 10000)
	for i := range dist {
		dist[i] = float32(i % 97)
	}
	if a := testing.AllocsPerRun(5, func() { vec.TopK(dist, 10) }); a > 1 {
		t.Fatalf("TopK allocates %v times, want 1", a)
	}
}
