package nn_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/facecluster/facecluster/nn"
)

// testFile is a small model that uses every op, dtype and option.
func testFile() *nn.File {
	vals := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = scale * float32((i*7)%11-5)
		}
		return v
	}
	halves := func(n int) []uint16 {
		h := make([]uint16, n)
		for i := range h {
			h[i], _ = nn.Float32ToFloat16(float32((i*5)%9-4) / 8)
		}
		return h
	}
	bytesOf := func(n int) []uint8 {
		q := make([]uint8, n)
		for i := range q {
			q[i] = uint8(i * 37)
		}
		return q
	}
	return &nn.File{
		Name: "test",
		Meta: []nn.KV{{Key: "source", Value: "format_test.go"}, {Key: "input", Value: "x in [-1,1]"}},
		Tensors: []nn.FileTensor{
			{Name: "c0/w", DType: nn.Float32, Shape: []int{3, 3, 3, 4}, F32: vals(108, 0.1)},
			{Name: "c0/b", DType: nn.Float32, Shape: []int{4}, F32: vals(4, 0.01)},
			{Name: "dw/w", DType: nn.Float16, Shape: []int{3, 3, 4}, F16: halves(36)},
			{Name: "c5/w", DType: nn.Uint8, Shape: []int{1, 1, 4, 6}, Q: bytesOf(24),
				Min: []float32{-1, -0.5, -0.25, 0, 0.25, 0.5}, Scale: []float32{0.01, 0.02, 0.03, 0.04, 0.05, 0.06}},
			{Name: "c5/b", DType: nn.Float32, Shape: []int{6}, F32: vals(6, 0.1)},
			{Name: "fc/w", DType: nn.Uint8, Shape: []int{6, 5}, Q: bytesOf(30), Min: []float32{-0.3}, Scale: []float32{0.004}},
			{Name: "fc/b", DType: nn.Float32, Shape: []int{5}, F32: vals(5, 1)},
		},
		Inputs: []nn.FileValue{{Name: "input", Shape: []int{1, 6, 5, 3}}},
		Layers: []nn.FileLayer{
			{Op: nn.OpConv2D, Name: "c0", Inputs: []int{0}, Ints: []int{2, 2, int(nn.PadSame), int(nn.ActReLU)}, Tensors: []int{0, 1}},           // 1: [1,3,3,4]
			{Op: nn.OpDepthwiseConv2D, Name: "dw", Inputs: []int{1, 1}, Ints: []int{1, 1, int(nn.PadSame), int(nn.ActReLU6)}, Tensors: []int{2}}, // 2
			{Op: nn.OpMaxPool, Name: "max", Inputs: []int{2}, Ints: []int{2, 2, 2, 2, int(nn.PadSame)}},                                          // 3: [1,2,2,4]
			{Op: nn.OpAvgPool, Name: "avg", Inputs: []int{2}, Ints: []int{2, 2, 1, 1, int(nn.PadValid)}},                                         // 4: [1,2,2,4]
			{Op: nn.OpPad, Name: "pad", Inputs: []int{4}, Ints: []int{0, 0, 0, 0, 0, 2}},                                                         // 5: [1,2,2,6]
			{Op: nn.OpConv2D, Name: "c5", Inputs: []int{3}, Ints: []int{1, 1, int(nn.PadValid), int(nn.ActNone)}, Tensors: []int{3, 4}},          // 6: [1,2,2,6]
			{Op: nn.OpAdd, Name: "add", Inputs: []int{5, 6}, Ints: []int{int(nn.ActReLU)}},                                                       // 7
			{Op: nn.OpMean, Name: "mean", Inputs: []int{7}},                                                                                      // 8: [1,6]
			{Op: nn.OpMatMul, Name: "fc", Inputs: []int{8}, Ints: []int{int(nn.ActNone)}, Tensors: []int{5, 6}},                                  // 9: [1,5]
			{Op: nn.OpReshape, Name: "reshape", Inputs: []int{9}, Ints: []int{5, 1}},                                                             // 10: [5,1]
		},
		Outputs: []nn.FileOutput{{Name: "out", Value: 10}, {Name: "first", Value: 1}},
	}
}

func encodeTest(t testing.TB) []byte {
	t.Helper()
	data, err := nn.Encode(testFile())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rehash rewrites the header of a (possibly mutated) file so that its size
// and hash are right, letting tests and the fuzzer reach the parser.
func rehash(data []byte) []byte {
	if len(data) < nn.HeaderSize {
		return data
	}
	out := bytes.Clone(data)
	binary.LittleEndian.PutUint64(out[16:], uint64(len(out)-nn.HeaderSize))
	sum := sha256.Sum256(out[nn.HeaderSize:])
	copy(out[24:], sum[:])
	return out
}

func TestRoundTrip(t *testing.T) {
	f := testFile()
	data := encodeTest(t)
	g, err := nn.DecodeFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Errorf("DecodeFile(Encode(f)) != f\n got %+v\nwant %+v", g, f)
	}
	again, err := nn.Encode(g)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-encoding differs (err %v)", err)
	}
	m, err := nn.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	wantShapes := [][]int{{1, 6, 5, 3}, {1, 3, 3, 4}, {1, 3, 3, 4}, {1, 2, 2, 4}, {1, 2, 2, 4}, {1, 2, 2, 6}, {1, 2, 2, 6}, {1, 2, 2, 6}, {1, 6}, {1, 5}, {5, 1}}
	for i, v := range m.Values {
		if !slices.Equal(v.Shape, wantShapes[i]) {
			t.Errorf("value %d (%s): shape %v, want %v", i, v.Name, v.Shape, wantShapes[i])
		}
	}
	if m.Output("out") != 10 || m.Output("first") != 1 || m.Output("nope") != -1 {
		t.Error("Output lookup")
	}
	if m.Metadata("input") != "x in [-1,1]" || m.Metadata("nope") != "" {
		t.Error("Metadata lookup")
	}
	// Dequantization: per-channel uint8, per-tensor uint8, float16.
	w := m.Tensor("c5/w")
	for i, q := range f.Tensors[3].Q {
		c := i % 6
		want := float32(float64(f.Tensors[3].Min[c]) + float64(f.Tensors[3].Scale[c])*float64(q))
		if w.Data[i] != want || w.Stored != nn.Uint8 {
			t.Fatalf("c5/w[%d] = %v, want %v", i, w.Data[i], want)
		}
	}
	if fc := m.Tensor("fc/w"); fc.Data[1] != float32(-0.3+float64(float32(0.004))*37) && fc.Data[1] != float32(float64(float32(-0.3))+float64(float32(0.004))*37) {
		t.Errorf("fc/w[1] = %v", fc.Data[1])
	}
	if dw := m.Tensor("dw/w"); dw.Data[0] != -0.5 || dw.Stored != nn.Float16 {
		t.Errorf("dw/w[0] = %v (%v), want -0.5 float16", dw.Data[0], dw.Stored)
	}
	// Derived layer fields.
	c0 := m.Layers[0]
	if c0.KH != 3 || c0.SH != 2 || c0.PadTop != 0 || c0.PadBottom != 1 || c0.PadLeft != 1 || c0.PadRight != 1 {
		t.Errorf("c0 window: %+v", c0)
	}
	if m.Layers[1].Residual() != 1 || m.Layers[0].Residual() != -1 {
		t.Error("Residual")
	}
	wantMACs := int64(3*3*3*4*9 + 3*3*4*9 + 4*4*4 + 4*4*4 + 24 + 4*6*4 + 24 + 24 + 30)
	if m.MACs != wantMACs {
		t.Errorf("MACs %d, want %d", m.MACs, wantMACs)
	}
	if m.Params() != 108+4+36+24+6+30+5 {
		t.Errorf("Params %d", m.Params())
	}
	// The reference interpreter runs it.
	in := make([]float64, 90)
	for i := range in {
		in[i] = math.Sin(float64(i))
	}
	vals, err := refRun(m, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(vals[10]) != 5 {
		t.Errorf("output of %d values", len(vals[10]))
	}
}

func TestCorruptFile(t *testing.T) {
	data := encodeTest(t)
	for n := 0; n < len(data); n++ {
		if _, err := nn.Decode(data[:n]); !errors.Is(err, nn.ErrFormat) {
			t.Fatalf("truncated to %d bytes: err = %v", n, err)
		}
	}
	for i := range data {
		bad := bytes.Clone(data)
		bad[i] ^= 0x41
		if _, err := nn.Decode(bad); !errors.Is(err, nn.ErrFormat) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
		// With the hash fixed the parser must still never panic.
		nn.Decode(rehash(bad))
	}
	for n := nn.HeaderSize; n < len(data); n++ {
		nn.Decode(rehash(data[:n]))
	}
	if _, err := nn.Decode(append(bytes.Clone(data), 0)); err == nil {
		t.Error("trailing byte accepted")
	}
	if _, err := nn.Decode(rehash(append(bytes.Clone(data), 0))); err == nil {
		t.Error("trailing payload byte accepted")
	}
}

func TestReadLimits(t *testing.T) {
	data := encodeTest(t)
	// A header claiming a huge payload over a short stream: an error, and
	// memory only for the bytes read.
	hostile := bytes.Clone(data[:nn.HeaderSize])
	binary.LittleEndian.PutUint64(hostile[16:], nn.MaxFileSize-nn.HeaderSize)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := nn.Read(io.MultiReader(bytes.NewReader(hostile), strings.NewReader("xyz"))); err == nil {
		t.Error("short stream accepted")
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("Read allocated %d bytes for a 59-byte stream", d)
	}
	binary.LittleEndian.PutUint64(hostile[16:], 1<<62)
	if _, err := nn.Read(bytes.NewReader(hostile)); err == nil {
		t.Error("oversized payload accepted")
	}
	if _, err := nn.Read(bytes.NewReader(data[:10])); err == nil {
		t.Error("short header accepted")
	}
	// Counts far beyond the bytes present are rejected before allocating.
	for _, mutate := range []func(p []byte) []byte{
		func(p []byte) []byte { // metadata count
			return binary.LittleEndian.AppendUint32(append(binary.LittleEndian.AppendUint16(nil, 1), 'm'), math.MaxInt32)
		},
		func(p []byte) []byte { // a tensor of 2^31-1 x 2^31-1 float32s
			b := append(binary.LittleEndian.AppendUint16(nil, 1), 'm')
			b = binary.LittleEndian.AppendUint32(b, 0) // metadata
			b = binary.LittleEndian.AppendUint32(b, 1) // tensors
			b = append(binary.LittleEndian.AppendUint16(b, 1), 't', byte(nn.Float32), 2)
			b = binary.LittleEndian.AppendUint32(b, math.MaxInt32)
			b = binary.LittleEndian.AppendUint32(b, math.MaxInt32)
			return append(b, make([]byte, 64)...)
		},
	} {
		file := rehash(append(bytes.Clone(data[:nn.HeaderSize]), mutate(nil)...))
		runtime.ReadMemStats(&before)
		if _, err := nn.Decode(file); !errors.Is(err, nn.ErrFormat) {
			t.Errorf("hostile counts: err = %v", err)
		}
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("Decode allocated %d bytes for a %d-byte file", d, len(file))
		}
	}
}

func TestBuildRejects(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		mutate     func(f *nn.File)
	}{
		{"no name", "empty model name", func(f *nn.File) { f.Name = "" }},
		{"no inputs", "no inputs", func(f *nn.File) { f.Inputs = nil }},
		{"no outputs", "no outputs", func(f *nn.File) { f.Outputs = nil }},
		{"output out of range", "out of range", func(f *nn.File) { f.Outputs[0].Value = 11 }},
		{"duplicate output", "duplicate output", func(f *nn.File) { f.Outputs[1].Name = "out" }},
		{"duplicate tensor", "duplicate tensor", func(f *nn.File) { f.Tensors[1].Name = "c0/w" }},
		{"duplicate value", "duplicate value", func(f *nn.File) { f.Layers[1].Name = "c0" }},
		{"value named like input", "duplicate value", func(f *nn.File) { f.Layers[0].Name = "input" }},
		{"forward reference", "not defined before", func(f *nn.File) { f.Layers[0].Inputs = []int{1} }},
		{"negative reference", "does not fit uint32", func(f *nn.File) { f.Layers[0].Inputs = []int{-1} }},
		{"unused tensor", "used by no layer", func(f *nn.File) { f.Layers[8].Tensors = []int{5} }},
		{"tensor index", "tensor index 7", func(f *nn.File) { f.Layers[8].Tensors = []int{5, 7} }},
		{"unknown op", "unknown op 42", func(f *nn.File) { f.Layers[9].Op = 42 }},
		{"op 0", "unknown op 0", func(f *nn.File) { f.Layers[9].Op = 0 }},
		{"conv weights", "do not fit input", func(f *nn.File) { f.Tensors[0].Shape = []int{3, 3, 4, 3} }},
		{"conv weights rank", "do not fit input", func(f *nn.File) { f.Tensors[0].Shape = []int{9, 3, 4} }},
		{"conv without bias", "1 tensors, want 2", func(f *nn.File) {
			f.Layers[0].Tensors = []int{0}
			f.Tensors[1].Name = "x"
			f.Layers[8].Tensors = []int{5, 6, 1}
		}},
		{"bias size", "bias [5], want [4]", func(f *nn.File) { f.Tensors[1].Shape, f.Tensors[1].F32 = []int{5}, make([]float32, 5) }},
		{"residual shape", "residual", func(f *nn.File) { f.Layers[1].Inputs = []int{1, 0} }},
		{"stride 0", "stride 0", func(f *nn.File) { f.Layers[0].Ints[0] = 0 }},
		{"stride huge", "stride 1048576", func(f *nn.File) { f.Layers[0].Ints[1] = 1 << 20 }},
		{"padding mode", "padding 2", func(f *nn.File) { f.Layers[0].Ints[2] = 2 }},
		{"activation", "activation 3", func(f *nn.File) { f.Layers[0].Ints[3] = 3 }},
		{"activation negative", "activation -1", func(f *nn.File) { f.Layers[6].Ints[0] = -1 }},
		{"conv ints", "3 integer parameters", func(f *nn.File) { f.Layers[0].Ints = f.Layers[0].Ints[:3] }},
		{"valid window too big", "window larger", func(f *nn.File) { f.Layers[3].Ints = []int{4, 4, 1, 1, int(nn.PadValid)} }},
		{"pool window 0", "window 0", func(f *nn.File) { f.Layers[2].Ints[0] = 0 }},
		{"pad negative", "padding -2", func(f *nn.File) { f.Layers[4].Ints[5] = -2 }},
		{"pad explodes", "more than 16777216", func(f *nn.File) {
			f.Layers[4].Ints = []int{60000, 60000, 60000, 60000, 0, 2}
		}},
		{"add shapes", "adds shapes", func(f *nn.File) { f.Layers[6].Inputs = []int{5, 4} }},
		{"add arity", "1 inputs", func(f *nn.File) { f.Layers[6].Inputs = []int{5} }},
		{"matmul rank", "do not fit input", func(f *nn.File) { f.Layers[8].Inputs = []int{7} }},
		{"matmul weights", "do not fit input", func(f *nn.File) {
			f.Tensors[5].Shape = []int{5, 6}
			f.Tensors[5].Min = []float32{0}
			f.Tensors[5].Scale = []float32{1}
		}},
		{"reshape count", "changes the element count", func(f *nn.File) { f.Layers[9].Ints = []int{6, 1} }},
		{"reshape rank", "rank 5", func(f *nn.File) { f.Layers[9].Ints = []int{1, 1, 1, 1, 5} }},
		{"reshape zero", "dimension 0", func(f *nn.File) { f.Layers[9].Ints = []int{0, 5} }},
		{"nan weight", "NaN", func(f *nn.File) { f.Tensors[0].F32[3] = float32(math.NaN()) }},
		{"inf weight", "NaN or an infinity", func(f *nn.File) { f.Tensors[2].F16[0] = 0x7c00 }},
		{"uint8 channels", "2 quantization channels", func(f *nn.File) { f.Tensors[3].Min, f.Tensors[3].Scale = f.Tensors[3].Min[:2], f.Tensors[3].Scale[:2] }},
		{"data length", "5 values for shape", func(f *nn.File) { f.Tensors[4].F32 = f.Tensors[4].F32[:5] }},
		{"dtype", "unknown dtype 9", func(f *nn.File) { f.Tensors[4].DType = 9 }},
		{"input too large", "more than 16777216", func(f *nn.File) { f.Inputs[0].Shape = []int{1, 4096, 4096, 3} }},
		{"input rank", "rank 5", func(f *nn.File) { f.Inputs[0].Shape = []int{1, 1, 6, 5, 3} }},
		{"dimension 0", "dimension 0", func(f *nn.File) { f.Inputs[0].Shape = []int{1, 0, 5, 3} }},
		{"empty layer name", "empty layer name", func(f *nn.File) { f.Layers[3].Name = "" }},
		{"long name", "257 bytes", func(f *nn.File) { f.Layers[3].Name = strings.Repeat("x", nn.MaxNameLen+1) }},
		{"bad utf8", "not UTF-8", func(f *nn.File) { f.Layers[3].Name = "\xff" }},
		{"duplicate metadata", "duplicate metadata", func(f *nn.File) { f.Meta[1].Key = "source" }},
		{"empty metadata key", "empty metadata key", func(f *nn.File) { f.Meta[1].Key = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testFile()
			tc.mutate(f)
			if _, err := nn.Encode(f); err != nil {
				t.Log(err)
			}
			_, err := nn.Encode(f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Encode: err = %v, want one containing %q", err, tc.want)
			}
			if _, err := nn.Build(f); err == nil && !strings.Contains(tc.name, "name") && !strings.Contains(tc.name, "utf8") && !strings.Contains(tc.name, "metadata") {
				t.Error("Build accepted the file")
			}
		})
	}
}

func TestWorkLimits(t *testing.T) {
	// A 3x3 convolution over a large input: few bytes, many MACs.
	f := &nn.File{
		Name:    "big",
		Tensors: []nn.FileTensor{{Name: "w", DType: nn.Float32, Shape: []int{3, 3, 256, 256}, F32: make([]float32, 9*65536)}, {Name: "b", DType: nn.Float32, Shape: []int{256}, F32: make([]float32, 256)}},
		Inputs:  []nn.FileValue{{Name: "x", Shape: []int{1, 256, 256, 256}}},
		Outputs: []nn.FileOutput{{Name: "y", Value: 1}},
	}
	f.Layers = []nn.FileLayer{{Op: nn.OpConv2D, Name: "c", Inputs: []int{0}, Ints: []int{1, 1, 0, 0}, Tensors: []int{0, 1}}}
	if _, err := nn.Build(f); !errors.Is(err, nn.ErrFormat) {
		t.Errorf("%d MACs accepted: %v", int64(9*256*256*256*256), err)
	}
	f.Inputs[0].Shape = []int{1, 32, 32, 256}
	if _, err := nn.Build(f); err != nil {
		t.Errorf("small input rejected: %v", err)
	}
}

func TestFloat16(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := nn.Float16ToFloat32(uint16(h))
		back, exact := nn.Float32ToFloat16(f)
		if math.IsNaN(float64(f)) {
			if !math.IsNaN(float64(nn.Float16ToFloat32(back))) {
				t.Fatalf("NaN %#04x came back as %#04x", h, back)
			}
			continue
		}
		if back != uint16(h) || !exact {
			t.Fatalf("%#04x -> %v -> %#04x (exact %v)", h, f, back, exact)
		}
	}
	for _, tc := range []struct {
		f     float32
		h     uint16
		exact bool
	}{
		{1, 0x3c00, true},
		{65504, 0x7bff, true},
		{65520, 0x7c00, false},        // rounds up to infinity
		{1 + 1.0/2048, 0x3c00, false}, // tie, to even
		{1 + 3.0/2048, 0x3c02, false}, // tie, to even (up)
		{0x1p-24, 0x0001, true},       // smallest subnormal
		{0x1p-25, 0x0000, false},      // tie to even zero
		{0x1.8p-25, 0x0001, false},    // above the tie
		{-0x1p-14, 0x8400, true},      // smallest normal
		{0x1.ffcp-15, 0x0400, false},  // subnormal tie rounding up into the normals
		{0x1.ff8p-15, 0x03ff, true},   // largest subnormal
		{float32(math.Inf(-1)), 0xfc00, true},
	} {
		h, exact := nn.Float32ToFloat16(tc.f)
		if h != tc.h || exact != tc.exact {
			t.Errorf("Float32ToFloat16(%v) = %#04x, %v; want %#04x, %v", tc.f, h, exact, tc.h, tc.exact)
		}
	}
}
