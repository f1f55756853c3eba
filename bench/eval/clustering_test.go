package main

import "testing"

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
