package main

import (
	"math"
	"testing"
)

func TestChoosePrefersPlateau(t *testing.T) {
	// A lone peak (index 1) beside a cliff loses to a slightly lower
	// plateau (indices 4..6); the mean is over both slices.
	f := [][2]float64{{0.2, 0.2}, {0.99, 0.99}, {0.2, 0.2}, {0.8, 0.9}, {0.9, 0.9}, {0.9, 0.92}, {0.9, 0.9}, {0.5, 0.5}}
	if k := choose(f); k != 5 {
		t.Errorf("choose = %d, want 5", k)
	}
	// Both slices count: a value good for one slice only loses.
	f = [][2]float64{{1, 0.1}, {1, 0.1}, {1, 0.1}, {0.8, 0.8}, {0.8, 0.8}, {0.8, 0.8}}
	if k := choose(f); k < 3 {
		t.Errorf("choose = %d, want >= 3", k)
	}
}

func TestGrid(t *testing.T) {
	g := grid(0.1, 0.3, 5)
	want := []float32{0.1, 0.15, 0.2, 0.25, 0.3}
	for k := range want {
		if d := g[k] - want[k]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("grid = %v, want %v", g, want)
		}
	}
}

func TestSpread(t *testing.T) {
	f := [][2]float64{{0.1, 0.5}, {0.2, 0.6}, {0.3, 0.4}, {0.4, 0.9}, {0.5, 0.1}}
	m, lo, hi := spread(f, 0, 1, 2) // indices 0..2, clipped at the start
	if math.Abs(m-0.5) > 1e-12 || lo != 0.4 || hi != 0.6 {
		t.Errorf("spread at 0 = %v %v %v, want 0.5 0.4 0.6", m, lo, hi)
	}
	m, lo, hi = spread(f, 3, 0, 1) // indices 2..4
	if math.Abs(m-0.4) > 1e-12 || lo != 0.3 || hi != 0.5 {
		t.Errorf("spread at 3 = %v %v %v, want 0.4 0.3 0.5", m, lo, hi)
	}
}
