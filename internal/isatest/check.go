package isatest

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/facecluster/facecluster/asm"
)

// Sentinel is the NaN written around outputs by Guarded; any other value
// found there means an implementation wrote out of bounds.
var Sentinel = math.Float32frombits(0x7fc0dead)

// Guarded returns a slice of n elements at element offset off inside a
// buffer whose other elements hold Sentinel, and a check that the guards are
// intact.
func Guarded(n, off int) ([]float32, func(t *testing.T)) {
	const pad = 16
	buf := make([]float32, off+n+pad)
	for i := range buf {
		buf[i] = Sentinel
	}
	s := buf[off : off+n : off+n]
	return s, func(t *testing.T) {
		t.Helper()
		for i, v := range buf {
			if (i < off || i >= off+n) && math.Float32bits(v) != math.Float32bits(Sentinel) {
				t.Fatalf("guard at buffer index %d (slice at %d, len %d) overwritten: %v", i, off, n, v)
			}
		}
	}
}

// ReadOnly returns a check that s still holds what it holds now.
func ReadOnly(s []float32) func(t *testing.T, name string) {
	c := append([]float32(nil), s...)
	return func(t *testing.T, name string) {
		t.Helper()
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(s[i]) {
				t.Fatalf("%s[%d] modified: %v -> %v", name, i, c[i], s[i])
			}
		}
	}
}

// Fill writes random values into s: kind 0 gives floats in [-1, 1), kind 1
// small integers, whose dot products are exact in float32.
func Fill(rng *rand.Rand, s []float32, kind int) {
	for i := range s {
		if kind == 1 {
			s[i] = float32(rng.IntN(17) - 8)
		} else {
			s[i] = rng.Float32()*2 - 1
		}
	}
}

// Dot64 returns the float64 dot product of x and y[:len(x)] and the sum of
// the magnitudes of its terms (the scale of its rounding error).
func Dot64(x, y []float32) (s, mag float64) {
	for i := range x {
		p := float64(x[i]) * float64(y[i])
		s += p
		mag += math.Abs(p)
	}
	return s, mag
}

// SquaredL2_64 returns the float64 squared Euclidean distance of x and
// y[:len(x)].
func SquaredL2_64(x, y []float32) float64 {
	var s float64
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		s += d * d
	}
	return s
}

// MaxAbs returns the largest magnitude in the slices.
func MaxAbs(s ...[]float32) float64 {
	var m float64
	for _, v := range s {
		for _, x := range v {
			m = math.Max(m, math.Abs(float64(x)))
		}
	}
	return m
}

// SeedBytes encodes vals as little-endian float32 bytes, for fuzz seeds.
func SeedBytes(vals ...float32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// AtEachLevel calls f once per supported level with every asm primitive
// switched to it (fuzz targets cannot run subtests).
func AtEachLevel(t *testing.T, f func(l asm.Level)) {
	t.Helper()
	for _, l := range asm.Levels() {
		prev, err := asm.SetISA(l)
		if err != nil {
			t.Fatal(err)
		}
		f(l)
		if _, err := asm.SetISA(prev); err != nil {
			t.Fatal(err)
		}
	}
}
