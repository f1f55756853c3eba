package vec_test

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/facecluster/facecluster/asm"
	"github.com/facecluster/facecluster/internal/isatest"
	"github.com/facecluster/facecluster/vec"
)

// floats decodes data as little-endian float32 values.
func floats(data []byte) []float32 {
	s := make([]float32, len(data)/4)
	for i := range s {
		s[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return s
}

// FuzzDistances splits the input into a query of dim elements and as many
// full rows as follow, then checks Distances under both metrics at every
// level against the float64 reference. Where float32 intermediates can
// overflow but float64 ones do not, it checks only that NaN inputs give NaN.
func FuzzDistances(f *testing.F) {
	for _, d := range []uint8{0, 1, 3, 4, 8, 16, 17, 33} {
		vals := make([]float32, int(d)*6+int(d)/2)
		for i := range vals {
			vals[i] = float32(i%7)/3 - 1
		}
		f.Add(isatest.SeedBytes(vals...), d)
	}
	inf := float32(math.Inf(1))
	f.Add(isatest.SeedBytes(float32(math.NaN()), 1, 2, 3, 4, 5), uint8(2))
	f.Add(isatest.SeedBytes(inf, 0, 0, inf, -inf, 1), uint8(2))
	f.Add(isatest.SeedBytes(math.MaxFloat32, math.MaxFloat32, -math.MaxFloat32, 2), uint8(2))
	f.Add(isatest.SeedBytes(1e-30, 1e-30, 1e-30, 1e-30), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, dim uint8) {
		v := floats(data)
		d := int(dim % 72)
		if d > len(v) {
			return
		}
		q, rest := v[:d], v[d:]
		rows := len(rest) // d == 0: any number of empty rows
		if d > 0 {
			rows = len(rest) / d
		}
		m := vec.Matrix{Rows: rows, Dim: d, Data: rest}
		isatest.AtEachLevel(t, func(l asm.Level) {
			for _, metric := range metrics {
				out := make([]float32, rows)
				vec.Distances(q, m, metric, out)
				for r := range out {
					row := m.Row(r)
					want, tol := distRef(metric, q, row)
					_, mag := isatest.Dot64(q, row)
					if metric == vec.SquaredL2 {
						mag = want
						if isatest.MaxAbs(q, row) > 1e18 { // q - row may overflow float32
							mag = math.Inf(1)
						}
					}
					if !math.IsNaN(want) && !(mag < math.MaxFloat32/2) {
						continue // float32 partial sums may overflow: Inf or NaN are both fair
					}
					if !near(out[r], want, tol) {
						t.Fatalf("%v %v d=%d: out[%d] = %v, want %v (tol %v)", l, metric, d, r, out[r], want, tol)
					}
				}
			}
		})
	})
}

// FuzzTopK decodes each byte as a distance (small values for many ties, with
// NaN, infinities and signed zeros) and compares TopK with a stable sort.
func FuzzTopK(f *testing.F) {
	f.Add([]byte{}, int16(3))
	f.Add([]byte{5, 3, 3, 0xff, 1, 0xfe, 0xfc, 0, 3}, int16(4))
	f.Add([]byte{0xff, 0xff, 2, 0xff}, int16(3))
	f.Add([]byte{9, 8, 7, 6, 5, 4, 3, 2, 1}, int16(-1))
	f.Add([]byte{1, 1, 1, 1, 1, 1}, int16(100))
	f.Fuzz(func(t *testing.T, data []byte, k int16) {
		dist := make([]float32, len(data))
		for i, b := range data {
			switch b {
			case 0xff:
				dist[i] = float32(math.NaN())
			case 0xfe:
				dist[i] = float32(math.Inf(1))
			case 0xfd:
				dist[i] = float32(math.Inf(-1))
			case 0xfc:
				dist[i] = float32(math.Copysign(0, -1))
			default:
				dist[i] = float32(int(b%32)-8) / 4
			}
		}
		isatest.AtEachLevel(t, func(l asm.Level) {
			got := vec.TopK(dist, int(k))
			if want := topKRef(dist, int(k)); !slices.Equal(got, want) {
				t.Fatalf("%v: TopK(%v, %d) = %v, want %v", l, dist, k, got, want)
			}
		})
	})
}
