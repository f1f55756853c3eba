package nn

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// Format constants.
const (
	// Magic opens every model file.
	Magic = "FCMODEL\x00"
	// Version is the only format version this package reads and writes.
	Version = 1
	// HeaderSize is the size of the fixed header before the payload.
	HeaderSize = 56

	// MaxRank is the largest rank of a tensor or value shape.
	MaxRank = 4
	// MaxNameLen bounds names (model, metadata keys, tensors, layers, inputs, outputs).
	MaxNameLen = 256
	// MaxMetaLen bounds metadata values.
	MaxMetaLen = 16 << 10
	// MaxFileSize bounds the model files Read accepts (Decode is bounded by
	// the slice it is given).
	MaxFileSize = 1 << 30
)

// ErrFormat is wrapped by every error about a malformed model file.
var ErrFormat = errors.New("nn: malformed model file")

// DType is how a tensor is stored in the file. Every tensor is float32 in
// memory.
type DType uint8

// Stored tensor types.
const (
	Float32 DType = 1 // 4 bytes per value
	Float16 DType = 2 // IEEE-754 binary16, widened exactly at load
	Uint8   DType = 3 // affine-quantized bytes: min[c] + scale[c]*q
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float16:
		return "float16"
	case Uint8:
		return "uint8"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// FileTensor is a tensor as stored: its values are Data (Float32 and
// Float16) or Quant with Min and Scale (Uint8).
type FileTensor struct {
	Name  string
	DType DType
	Shape []int
	// F32 holds the values of a Float32 tensor.
	F32 []float32
	// F16 holds the binary16 bits of a Float16 tensor.
	F16 []uint16
	// Q, Min and Scale hold a Uint8 tensor: value i is
	// Min[c] + Scale[c]*Q[i] with c = 0 when len(Min) == 1, else
	// c = i mod (last dim).
	Q          []uint8
	Min, Scale []float32
}

// FileValue names a graph input and gives its shape.
type FileValue struct {
	Name  string
	Shape []int
}

// FileLayer is a layer as stored: the op, value ids read, integer
// parameters and tensor indices (see the package documentation per op).
type FileLayer struct {
	Op      Op
	Name    string
	Inputs  []int
	Ints    []int
	Tensors []int
}

// FileOutput names a value as a graph output.
type FileOutput struct {
	Name  string
	Value int
}

// KV is one metadata entry.
type KV struct{ Key, Value string }

// File is the syntactic content of a model file. Encode writes it; Decode
// parses one and builds a Model from it.
type File struct {
	Name    string
	Meta    []KV
	Tensors []FileTensor
	Inputs  []FileValue
	Layers  []FileLayer
	Outputs []FileOutput
}

// Encode serializes f. It refuses a File that Decode would reject: the
// result is built back into a Model before it is returned.
func Encode(f *File) ([]byte, error) {
	var w writer
	w.str(f.Name)
	w.u32(len(f.Meta))
	for _, kv := range f.Meta {
		w.str(kv.Key)
		w.str(kv.Value)
	}
	w.u32(len(f.Tensors))
	for i := range f.Tensors {
		w.tensor(&f.Tensors[i])
	}
	w.u32(len(f.Inputs))
	for _, in := range f.Inputs {
		w.str(in.Name)
		w.shape(in.Shape)
	}
	w.u32(len(f.Layers))
	for _, l := range f.Layers {
		w.u8(int(l.Op))
		w.str(l.Name)
		w.u8(len(l.Inputs))
		for _, v := range l.Inputs {
			w.u32(v)
		}
		w.u8(len(l.Ints))
		for _, v := range l.Ints {
			w.i32(v)
		}
		w.u8(len(l.Tensors))
		for _, v := range l.Tensors {
			w.u32(v)
		}
	}
	w.u32(len(f.Outputs))
	for _, o := range f.Outputs {
		w.str(o.Name)
		w.u32(o.Value)
	}
	if w.err != nil {
		return nil, w.err
	}
	payload := w.buf.Bytes()
	out := make([]byte, HeaderSize+len(payload))
	copy(out, Magic)
	binary.LittleEndian.PutUint32(out[8:], Version)
	binary.LittleEndian.PutUint64(out[16:], uint64(len(payload)))
	sum := sha256.Sum256(payload)
	copy(out[24:], sum[:])
	copy(out[HeaderSize:], payload)
	if _, err := Decode(out); err != nil {
		return nil, fmt.Errorf("nn: Encode: the file would not load: %w", err)
	}
	return out, nil
}

// Read reads a whole model file from r (at most MaxFileSize bytes) and
// decodes it. Memory grows with the bytes actually read, not with sizes the
// header claims.
func Read(r io.Reader) (*Model, error) {
	var hdr [HeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	n := binary.LittleEndian.Uint64(hdr[16:])
	if n > MaxFileSize-HeaderSize {
		return nil, fmt.Errorf("%w: payload size %d exceeds %d", ErrFormat, n, MaxFileSize-HeaderSize)
	}
	var buf bytes.Buffer
	buf.Write(hdr[:])
	if _, err := io.Copy(&buf, io.LimitReader(r, int64(n)+1)); err != nil {
		return nil, fmt.Errorf("nn: reading model: %w", err)
	}
	return Decode(buf.Bytes())
}

// Decode parses and validates a model file and builds its Model. Tensors
// are copied out of data (dequantized to float32), so data may be reused.
func Decode(data []byte) (*Model, error) {
	f, err := DecodeFile(data)
	if err != nil {
		return nil, err
	}
	return Build(f)
}

// DecodeFile checks the header and hash and parses the payload into a File
// without the semantic checks of Build.
func DecodeFile(data []byte) (*File, error) {
	if len(data) < HeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", ErrFormat, len(data))
	}
	if string(data[:8]) != Magic {
		return nil, fmt.Errorf("%w: bad magic %q", ErrFormat, data[:8])
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrFormat, v, Version)
	}
	if fl := binary.LittleEndian.Uint32(data[12:]); fl != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#x", ErrFormat, fl)
	}
	payload := data[HeaderSize:]
	if n := binary.LittleEndian.Uint64(data[16:]); n != uint64(len(payload)) {
		return nil, fmt.Errorf("%w: header says %d payload bytes, file has %d", ErrFormat, n, len(payload))
	}
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], data[24:56]) {
		return nil, fmt.Errorf("%w: payload SHA-256 mismatch", ErrFormat)
	}
	r := reader{b: payload}
	f := &File{Name: r.name("model name")}

	n := r.count("metadata", 4)
	seen := map[string]bool{}
	for i := 0; i < n && r.err == nil; i++ {
		k := r.name("metadata key")
		v := r.str("metadata value", MaxMetaLen)
		if r.err == nil && seen[k] {
			r.fail("duplicate metadata key %q", k)
		}
		seen[k] = true
		f.Meta = append(f.Meta, KV{k, v})
	}

	n = r.count("tensors", 2+1+1+4)
	for i := 0; i < n && r.err == nil; i++ {
		f.Tensors = append(f.Tensors, r.tensor())
	}

	n = r.count("inputs", 2+1+4)
	for i := 0; i < n && r.err == nil; i++ {
		name := r.name("input name")
		f.Inputs = append(f.Inputs, FileValue{Name: name, Shape: r.shape()})
	}

	n = r.count("layers", 1+2+3)
	for i := 0; i < n && r.err == nil; i++ {
		var l FileLayer
		l.Op = Op(r.u8())
		l.Name = r.name("layer name")
		for k := r.u8(); k > 0 && r.err == nil; k-- {
			l.Inputs = append(l.Inputs, r.u32())
		}
		for k := r.u8(); k > 0 && r.err == nil; k-- {
			l.Ints = append(l.Ints, r.i32())
		}
		for k := r.u8(); k > 0 && r.err == nil; k-- {
			l.Tensors = append(l.Tensors, r.u32())
		}
		f.Layers = append(f.Layers, l)
	}

	n = r.count("outputs", 2+4)
	for i := 0; i < n && r.err == nil; i++ {
		name := r.name("output name")
		f.Outputs = append(f.Outputs, FileOutput{Name: name, Value: r.u32()})
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return f, nil
}

// NumElems returns the number of elements of shape, or -1 if a dimension is
// below 1 or the product exceeds limit.
func NumElems(shape []int, limit int) int {
	n := 1
	for _, d := range shape {
		if d < 1 || d > limit || n > limit/d {
			return -1
		}
		n *= d
	}
	return n
}

// writer appends the payload encoding; the first error sticks.
type writer struct {
	buf bytes.Buffer
	err error
}

func (w *writer) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("nn: Encode: "+format, args...)
	}
}

func (w *writer) u8(v int) {
	if v < 0 || v > math.MaxUint8 {
		w.fail("%d does not fit a byte", v)
	}
	w.buf.WriteByte(byte(v))
}

func (w *writer) u32(v int) {
	if v < 0 || v > math.MaxUint32 {
		w.fail("%d does not fit uint32", v)
	}
	w.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(v)))
}

func (w *writer) i32(v int) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		w.fail("%d does not fit int32", v)
	}
	w.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(v))))
}

func (w *writer) f32(v float32) {
	w.buf.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
}

func (w *writer) str(s string) {
	if len(s) > MaxMetaLen {
		w.fail("string of %d bytes", len(s))
	}
	w.buf.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(s))))
	w.buf.WriteString(s)
}

func (w *writer) shape(s []int) {
	w.u8(len(s))
	for _, d := range s {
		w.u32(d)
	}
}

func (w *writer) tensor(t *FileTensor) {
	w.str(t.Name)
	w.u8(int(t.DType))
	w.shape(t.Shape)
	n := NumElems(t.Shape, math.MaxInt32)
	switch t.DType {
	case Float32:
		if len(t.F32) != n {
			w.fail("tensor %q: %d values for shape %v", t.Name, len(t.F32), t.Shape)
		}
		for _, v := range t.F32 {
			w.f32(v)
		}
	case Float16:
		if len(t.F16) != n {
			w.fail("tensor %q: %d values for shape %v", t.Name, len(t.F16), t.Shape)
		}
		for _, v := range t.F16 {
			w.buf.Write(binary.LittleEndian.AppendUint16(nil, v))
		}
	case Uint8:
		if len(t.Q) != n || len(t.Min) != len(t.Scale) {
			w.fail("tensor %q: %d bytes for shape %v, %d mins, %d scales", t.Name, len(t.Q), t.Shape, len(t.Min), len(t.Scale))
		}
		w.u32(len(t.Min))
		for _, v := range t.Min {
			w.f32(v)
		}
		for _, v := range t.Scale {
			w.f32(v)
		}
		w.buf.Write(t.Q)
	default:
		w.fail("tensor %q: unknown dtype %d", t.Name, t.DType)
	}
}

// reader consumes the payload; every read is bounds-checked and the first
// error sticks (later reads return zero values).
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
	}
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail("%s: need %d bytes, %d left", what, n, len(r.b))
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u8() int {
	p := r.take(1, "byte")
	if p == nil {
		return 0
	}
	return int(p[0])
}

func (r *reader) u16() int {
	p := r.take(2, "uint16")
	if p == nil {
		return 0
	}
	return int(binary.LittleEndian.Uint16(p))
}

func (r *reader) u32() int {
	p := r.take(4, "uint32")
	if p == nil {
		return 0
	}
	v := binary.LittleEndian.Uint32(p)
	if v > math.MaxInt32 {
		r.fail("uint32 %d out of range", v)
		return 0
	}
	return int(v)
}

func (r *reader) i32() int {
	p := r.take(4, "int32")
	if p == nil {
		return 0
	}
	return int(int32(binary.LittleEndian.Uint32(p)))
}

// count reads a u32 count of items that each take at least minSize bytes,
// rejecting counts the remaining bytes cannot hold.
func (r *reader) count(what string, minSize int) int {
	n := r.u32()
	if r.err == nil && n > len(r.b)/minSize {
		r.fail("%d %s cannot fit in %d bytes", n, what, len(r.b))
		return 0
	}
	return n
}

func (r *reader) str(what string, max int) string {
	n := r.u16()
	if r.err == nil && n > max {
		r.fail("%s of %d bytes, limit %d", what, n, max)
		return ""
	}
	p := r.take(n, what)
	if r.err != nil {
		return ""
	}
	if !utf8.Valid(p) {
		r.fail("%s is not UTF-8", what)
		return ""
	}
	return string(p)
}

func (r *reader) name(what string) string {
	s := r.str(what, MaxNameLen)
	if r.err == nil && s == "" {
		r.fail("empty %s", what)
	}
	return s
}

func (r *reader) shape() []int {
	rank := r.u8()
	if r.err != nil {
		return nil
	}
	if rank < 1 || rank > MaxRank {
		r.fail("rank %d, want 1..%d", rank, MaxRank)
		return nil
	}
	s := make([]int, rank)
	for i := range s {
		s[i] = r.u32()
		if r.err == nil && s[i] < 1 {
			r.fail("dimension %d", s[i])
		}
	}
	return s
}

func (r *reader) tensor() FileTensor {
	t := FileTensor{Name: r.name("tensor name"), DType: DType(r.u8())}
	t.Shape = r.shape()
	if r.err != nil {
		return t
	}
	n := NumElems(t.Shape, len(r.b))
	if n < 0 {
		r.fail("tensor %q: shape %v larger than the %d bytes left", t.Name, t.Shape, len(r.b))
		return t
	}
	switch t.DType {
	case Float32:
		p := r.take(4*n, "float32 data")
		if p == nil {
			return t
		}
		t.F32 = make([]float32, n)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		}
	case Float16:
		p := r.take(2*n, "float16 data")
		if p == nil {
			return t
		}
		t.F16 = make([]uint16, n)
		for i := range t.F16 {
			t.F16[i] = binary.LittleEndian.Uint16(p[2*i:])
		}
	case Uint8:
		q := r.u32()
		if r.err != nil {
			return t
		}
		if last := t.Shape[len(t.Shape)-1]; q != 1 && q != last {
			r.fail("tensor %q: %d quantization channels, want 1 or %d", t.Name, q, last)
			return t
		}
		p := r.take(8*q, "quantization parameters")
		if p == nil {
			return t
		}
		t.Min = make([]float32, q)
		t.Scale = make([]float32, q)
		for i := 0; i < q; i++ {
			t.Min[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
			t.Scale[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*(q+i):]))
		}
		p = r.take(n, "uint8 data")
		if p == nil {
			return t
		}
		t.Q = bytes.Clone(p)
	default:
		r.fail("tensor %q: unknown dtype %d", t.Name, t.DType)
	}
	return t
}
