package nn

import (
	"fmt"
	"math"
	"slices"
)

// Op is a layer type.
type Op uint8

// Layer types (see the package documentation for their inputs and
// parameters).
const (
	OpConv2D          Op = 1
	OpDepthwiseConv2D Op = 2
	OpMaxPool         Op = 3
	OpAvgPool         Op = 4
	OpPad             Op = 5
	OpAdd             Op = 6
	OpMean            Op = 7
	OpMatMul          Op = 8
	OpReshape         Op = 9
)

var opNames = [...]string{
	OpConv2D:          "Conv2D",
	OpDepthwiseConv2D: "DepthwiseConv2D",
	OpMaxPool:         "MaxPool",
	OpAvgPool:         "AvgPool",
	OpPad:             "Pad",
	OpAdd:             "Add",
	OpMean:            "Mean",
	OpMatMul:          "MatMul",
	OpReshape:         "Reshape",
}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Activation is applied by a layer to its result.
type Activation uint8

// Activations.
const (
	ActNone  Activation = 0
	ActReLU  Activation = 1 // max(x, 0)
	ActReLU6 Activation = 2 // min(max(x, 0), 6)
)

func (a Activation) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActReLU:
		return "relu"
	case ActReLU6:
		return "relu6"
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

// Padding is TensorFlow's padding mode for convolutions and pooling.
type Padding uint8

// Padding modes.
const (
	PadValid Padding = 0
	PadSame  Padding = 1
)

func (p Padding) String() string {
	switch p {
	case PadValid:
		return "VALID"
	case PadSame:
		return "SAME"
	}
	return fmt.Sprintf("Padding(%d)", uint8(p))
}

// Limits on what a model may ask of the executor. They do not come from the
// file's bytes, so they are fixed: generous for face models, small enough
// that a hostile file cannot make the executor allocate or compute without
// bound.
const (
	// MaxValueElems bounds the elements of any value (activation).
	MaxValueElems = 1 << 24
	// MaxTotalElems bounds the elements of all values together.
	MaxTotalElems = 1 << 26
	// MaxMACs bounds the multiply-accumulates of one inference.
	MaxMACs = 1 << 33
	// MaxDim bounds any dimension and layer parameter.
	MaxDim = 1 << 16
)

// Tensor is a named float32 tensor (weights), dequantized at load.
type Tensor struct {
	Name  string
	Shape []int
	// Stored is the precision the file stored the tensor in.
	Stored DType
	Data   []float32
}

// Value is a tensor computed during inference: a graph input or the output
// of a layer.
type Value struct {
	Name  string
	Shape []int
}

// Elems returns the number of elements of v.
func (v Value) Elems() int { return NumElems(v.Shape, math.MaxInt) }

// Layer is one step of the graph with its typed parameters.
type Layer struct {
	Op   Op
	Name string
	// In lists the value ids read: In[0] is the main input; Conv2D and
	// DepthwiseConv2D may have a residual In[1]; Add has two.
	In []int
	// Out is the value id this layer defines.
	Out int
	// Act is the activation (Conv2D, DepthwiseConv2D, Add, MatMul).
	Act Activation
	// KH, KW are the kernel or window size (convolutions, pooling).
	KH, KW int
	// SH, SW are the strides (convolutions, pooling).
	SH, SW int
	// Padding is the padding mode (convolutions, pooling).
	Padding Padding
	// PadTop, PadLeft are the leading padding of a convolution or pooling
	// (derived from Padding and the input size), and for Pad the explicit
	// padding.
	PadTop, PadLeft int
	// PadBottom, PadRight, PadFront and PadBack complete Pad's padding
	// (front and back are channels), and hold the trailing padding of
	// convolutions and pooling (front and back are then 0).
	PadBottom, PadRight int
	PadFront, PadBack   int
	// Weights and Bias are the layer's tensors (nil when absent).
	Weights, Bias *Tensor
	// MACs counts the multiply-accumulates of this layer.
	MACs int64
}

// Residual returns the residual value id of a convolution, or -1.
func (l *Layer) Residual() int {
	if (l.Op == OpConv2D || l.Op == OpDepthwiseConv2D) && len(l.In) == 2 {
		return l.In[1]
	}
	return -1
}

// Model is a validated layer graph with its weights. It is immutable after
// Decode and safe to share between goroutines.
type Model struct {
	Name    string
	Meta    []KV
	Tensors []*Tensor
	// Values holds every value's name and shape: the inputs first, then
	// one per layer in order.
	Values []Value
	// Inputs and Outputs are value ids; OutputNames names the outputs.
	Inputs      []int
	Outputs     []int
	OutputNames []string
	Layers      []Layer
	// MACs counts the multiply-accumulates of one inference.
	MACs int64
}

// Metadata returns the value of key, or "".
func (m *Model) Metadata(key string) string {
	for _, kv := range m.Meta {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// Tensor returns the tensor called name, or nil.
func (m *Model) Tensor(name string) *Tensor {
	for _, t := range m.Tensors {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Output returns the value id of the output called name, or -1.
func (m *Model) Output(name string) int {
	for i, n := range m.OutputNames {
		if n == name {
			return m.Outputs[i]
		}
	}
	return -1
}

// Params returns the number of weight values.
func (m *Model) Params() int {
	n := 0
	for _, t := range m.Tensors {
		n += len(t.Data)
	}
	return n
}

// Build validates f semantically and returns its Model: every index,
// parameter and shape is checked, tensors are dequantized, and the shape of
// every value is inferred, so a model that cannot run is rejected here.
func Build(f *File) (*Model, error) {
	b := builder{f: f, m: &Model{Name: f.Name, Meta: slices.Clone(f.Meta)}}
	if err := b.build(); err != nil {
		return nil, err
	}
	return b.m, nil
}

type builder struct {
	f     *File
	m     *Model
	used  []bool // tensor used by a layer
	total int
}

func (b *builder) errf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

func (b *builder) build() error {
	f, m := b.f, b.m
	if f.Name == "" {
		return b.errf("empty model name")
	}
	names := map[string]bool{}
	for _, t := range f.Tensors {
		if names[t.Name] {
			return b.errf("duplicate tensor name %q", t.Name)
		}
		names[t.Name] = true
		mt, err := dequantize(&t)
		if err != nil {
			return err
		}
		m.Tensors = append(m.Tensors, mt)
	}
	b.used = make([]bool, len(m.Tensors))

	if len(f.Inputs) == 0 {
		return b.errf("no inputs")
	}
	names = map[string]bool{}
	for _, in := range f.Inputs {
		if err := b.checkShape("input "+in.Name, in.Shape); err != nil {
			return err
		}
		if err := b.addValue(in.Name, in.Shape, names); err != nil {
			return err
		}
		m.Inputs = append(m.Inputs, len(m.Values)-1)
	}
	for i := range f.Layers {
		l, shape, err := b.layer(&f.Layers[i])
		if err != nil {
			return fmt.Errorf("layer %d (%s %q): %w", i, f.Layers[i].Op, f.Layers[i].Name, err)
		}
		l.Out = len(m.Values)
		if err := b.addValue(l.Name, shape, names); err != nil {
			return err
		}
		if m.MACs += l.MACs; m.MACs > MaxMACs {
			return b.errf("more than %d multiply-accumulates", int64(MaxMACs))
		}
		m.Layers = append(m.Layers, l)
	}
	for i, u := range b.used {
		if !u {
			return b.errf("tensor %q is used by no layer", m.Tensors[i].Name)
		}
	}
	if len(f.Outputs) == 0 {
		return b.errf("no outputs")
	}
	outNames := map[string]bool{}
	for _, o := range f.Outputs {
		if outNames[o.Name] {
			return b.errf("duplicate output name %q", o.Name)
		}
		outNames[o.Name] = true
		if o.Value < 0 || o.Value >= len(m.Values) {
			return b.errf("output %q: value %d out of range", o.Name, o.Value)
		}
		m.Outputs = append(m.Outputs, o.Value)
		m.OutputNames = append(m.OutputNames, o.Name)
	}
	return nil
}

func (b *builder) checkShape(what string, s []int) error {
	if len(s) < 1 || len(s) > MaxRank {
		return b.errf("%s: rank %d", what, len(s))
	}
	n := NumElems(s, MaxValueElems)
	if n < 0 {
		return b.errf("%s: shape %v has more than %d elements", what, s, MaxValueElems)
	}
	return nil
}

func (b *builder) addValue(name string, shape []int, names map[string]bool) error {
	if names[name] {
		return b.errf("duplicate value name %q", name)
	}
	names[name] = true
	if err := b.checkShape("value "+name, shape); err != nil {
		return err
	}
	if b.total += NumElems(shape, MaxValueElems); b.total > MaxTotalElems {
		return b.errf("values hold more than %d elements", MaxTotalElems)
	}
	b.m.Values = append(b.m.Values, Value{Name: name, Shape: shape})
	return nil
}

// dequantize widens a stored tensor to float32.
func dequantize(t *FileTensor) (*Tensor, error) {
	n := NumElems(t.Shape, math.MaxInt32)
	if len(t.Shape) < 1 || len(t.Shape) > MaxRank || n < 0 {
		return nil, fmt.Errorf("%w: tensor %q: bad shape %v", ErrFormat, t.Name, t.Shape)
	}
	out := &Tensor{Name: t.Name, Shape: slices.Clone(t.Shape), Stored: t.DType}
	bad := func() (*Tensor, error) {
		return nil, fmt.Errorf("%w: tensor %q: %s data does not match shape %v", ErrFormat, t.Name, t.DType, t.Shape)
	}
	switch t.DType {
	case Float32:
		if len(t.F32) != n {
			return bad()
		}
		out.Data = slices.Clone(t.F32)
	case Float16:
		if len(t.F16) != n {
			return bad()
		}
		out.Data = make([]float32, n)
		for i, h := range t.F16 {
			out.Data[i] = Float16ToFloat32(h)
		}
	case Uint8:
		q := len(t.Min)
		if len(t.Q) != n || len(t.Scale) != q || (q != 1 && q != t.Shape[len(t.Shape)-1]) {
			return bad()
		}
		out.Data = make([]float32, n)
		for i, v := range t.Q {
			c := 0
			if q > 1 {
				c = i % q
			}
			// In float64 and rounded once, so that every architecture
			// (fused multiply-add or not) loads the same weights.
			out.Data[i] = float32(float64(t.Min[c]) + float64(t.Scale[c])*float64(v))
		}
	default:
		return nil, fmt.Errorf("%w: tensor %q: unknown dtype %d", ErrFormat, t.Name, t.DType)
	}
	for _, v := range out.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: tensor %q holds a NaN or an infinity", ErrFormat, t.Name)
		}
	}
	return out, nil
}

// layer validates one layer and infers its output shape.
func (b *builder) layer(fl *FileLayer) (Layer, []int, error) {
	l := Layer{Op: fl.Op, Name: fl.Name}
	nIn, nInts := len(fl.Inputs), len(fl.Ints)
	arity := func(inMin, inMax, ints, tMin, tMax int) error {
		if nIn < inMin || nIn > inMax {
			return b.errf("%d inputs, want %d..%d", nIn, inMin, inMax)
		}
		if ints >= 0 && nInts != ints {
			return b.errf("%d integer parameters, want %d", nInts, ints)
		}
		if len(fl.Tensors) < tMin || len(fl.Tensors) > tMax {
			return b.errf("%d tensors, want %d..%d", len(fl.Tensors), tMin, tMax)
		}
		return nil
	}
	var in [][]int
	for _, v := range fl.Inputs {
		if v < 0 || v >= len(b.m.Values) {
			return l, nil, b.errf("input value %d not defined before the layer", v)
		}
		l.In = append(l.In, v)
		in = append(in, b.m.Values[v].Shape)
	}
	var tensors []*Tensor
	for _, ti := range fl.Tensors {
		if ti < 0 || ti >= len(b.m.Tensors) {
			return l, nil, b.errf("tensor index %d out of range", ti)
		}
		b.used[ti] = true
		tensors = append(tensors, b.m.Tensors[ti])
	}
	param := func(i, lo, hi int, what string) (int, error) {
		if v := fl.Ints[i]; v >= lo && v <= hi {
			return v, nil
		}
		return 0, b.errf("%s %d, want %d..%d", what, fl.Ints[i], lo, hi)
	}
	var err error
	set := func(dst *int, i, lo, hi int, what string) {
		if err == nil {
			*dst, err = param(i, lo, hi, what)
		}
	}
	var act, pad int
	var out []int

	switch fl.Op {
	case OpConv2D, OpDepthwiseConv2D:
		tMin := 2
		if fl.Op == OpDepthwiseConv2D {
			tMin = 1
		}
		if err := arity(1, 2, 4, tMin, 2); err != nil {
			return l, nil, err
		}
		set(&l.SH, 0, 1, MaxDim, "stride")
		set(&l.SW, 1, 1, MaxDim, "stride")
		set(&pad, 2, 0, 1, "padding")
		set(&act, 3, 0, 2, "activation")
		if err != nil {
			return l, nil, err
		}
		l.Padding, l.Act = Padding(pad), Activation(act)
		x := in[0]
		if len(x) != 4 {
			return l, nil, b.errf("input shape %v, want NHWC", x)
		}
		w := tensors[0]
		var cout int
		if fl.Op == OpConv2D {
			if len(w.Shape) != 4 || w.Shape[2] != x[3] {
				return l, nil, b.errf("weights %v do not fit input %v (want [KH,KW,%d,Cout])", w.Shape, x, x[3])
			}
			cout = w.Shape[3]
		} else {
			if len(w.Shape) != 3 || w.Shape[2] != x[3] {
				return l, nil, b.errf("weights %v do not fit input %v (want [KH,KW,%d])", w.Shape, x, x[3])
			}
			cout = x[3]
		}
		l.KH, l.KW, l.Weights = w.Shape[0], w.Shape[1], w
		if len(tensors) == 2 {
			l.Bias = tensors[1]
			if len(l.Bias.Shape) != 1 || l.Bias.Shape[0] != cout {
				return l, nil, b.errf("bias %v, want [%d]", l.Bias.Shape, cout)
			}
		}
		oh, ow, err := l.window(x[1], x[2])
		if err != nil {
			return l, nil, err
		}
		out = []int{x[0], oh, ow, cout}
		macs := int64(l.KH) * int64(l.KW) * int64(NumElems(out, MaxValueElems))
		if fl.Op == OpConv2D {
			macs *= int64(x[3])
		}
		l.MACs = macs
		if len(in) == 2 && !slices.Equal(in[1], out) {
			return l, nil, b.errf("residual %v, want the output shape %v", in[1], out)
		}

	case OpMaxPool, OpAvgPool:
		if err := arity(1, 1, 5, 0, 0); err != nil {
			return l, nil, err
		}
		set(&l.KH, 0, 1, MaxDim, "window")
		set(&l.KW, 1, 1, MaxDim, "window")
		set(&l.SH, 2, 1, MaxDim, "stride")
		set(&l.SW, 3, 1, MaxDim, "stride")
		set(&pad, 4, 0, 1, "padding")
		if err != nil {
			return l, nil, err
		}
		l.Padding = Padding(pad)
		x := in[0]
		if len(x) != 4 {
			return l, nil, b.errf("input shape %v, want NHWC", x)
		}
		oh, ow, err := l.window(x[1], x[2])
		if err != nil {
			return l, nil, err
		}
		if l.PadTop >= l.KH || l.PadLeft >= l.KW || l.PadBottom >= l.KH || l.PadRight >= l.KW {
			return l, nil, b.errf("padding leaves empty windows")
		}
		out = []int{x[0], oh, ow, x[3]}
		l.MACs = int64(l.KH) * int64(l.KW) * int64(NumElems(out, MaxValueElems))

	case OpPad:
		if err := arity(1, 1, 6, 0, 0); err != nil {
			return l, nil, err
		}
		set(&l.PadTop, 0, 0, MaxDim, "padding")
		set(&l.PadBottom, 1, 0, MaxDim, "padding")
		set(&l.PadLeft, 2, 0, MaxDim, "padding")
		set(&l.PadRight, 3, 0, MaxDim, "padding")
		set(&l.PadFront, 4, 0, MaxDim, "padding")
		set(&l.PadBack, 5, 0, MaxDim, "padding")
		if err != nil {
			return l, nil, err
		}
		x := in[0]
		if len(x) != 4 {
			return l, nil, b.errf("input shape %v, want NHWC", x)
		}
		out = []int{x[0], x[1] + l.PadTop + l.PadBottom, x[2] + l.PadLeft + l.PadRight, x[3] + l.PadFront + l.PadBack}
		l.MACs = int64(NumElems(out, MaxValueElems))

	case OpAdd:
		if err := arity(2, 2, 1, 0, 0); err != nil {
			return l, nil, err
		}
		set(&act, 0, 0, 2, "activation")
		if err != nil {
			return l, nil, err
		}
		l.Act = Activation(act)
		if !slices.Equal(in[0], in[1]) {
			return l, nil, b.errf("adds shapes %v and %v", in[0], in[1])
		}
		out = slices.Clone(in[0])
		l.MACs = int64(NumElems(out, MaxValueElems))

	case OpMean:
		if err := arity(1, 1, 0, 0, 0); err != nil {
			return l, nil, err
		}
		x := in[0]
		if len(x) != 4 {
			return l, nil, b.errf("input shape %v, want NHWC", x)
		}
		out = []int{x[0], x[3]}
		l.MACs = int64(NumElems(x, MaxValueElems))

	case OpMatMul:
		if err := arity(1, 1, 1, 1, 2); err != nil {
			return l, nil, err
		}
		set(&act, 0, 0, 2, "activation")
		if err != nil {
			return l, nil, err
		}
		l.Act = Activation(act)
		x, w := in[0], tensors[0]
		if len(x) != 2 || len(w.Shape) != 2 || w.Shape[0] != x[1] {
			return l, nil, b.errf("weights %v do not fit input %v (want [%d,M])", w.Shape, x, x[len(x)-1])
		}
		l.Weights = w
		out = []int{x[0], w.Shape[1]}
		if len(tensors) == 2 {
			l.Bias = tensors[1]
			if len(l.Bias.Shape) != 1 || l.Bias.Shape[0] != out[1] {
				return l, nil, b.errf("bias %v, want [%d]", l.Bias.Shape, out[1])
			}
		}
		l.MACs = int64(x[0]) * int64(x[1]) * int64(out[1])

	case OpReshape:
		if err := arity(1, 1, -1, 0, 0); err != nil {
			return l, nil, err
		}
		if nInts < 1 || nInts > MaxRank {
			return l, nil, b.errf("reshape to rank %d", nInts)
		}
		out = make([]int, nInts)
		for i := range out {
			set(&out[i], i, 1, MaxValueElems, "dimension")
		}
		if err != nil {
			return l, nil, err
		}
		if NumElems(out, MaxValueElems) != NumElems(in[0], MaxValueElems) {
			return l, nil, b.errf("reshape %v to %v changes the element count", in[0], out)
		}

	default:
		return l, nil, b.errf("unknown op %d", fl.Op)
	}
	return l, out, nil
}

// window sets the padding of a convolution or pooling layer over an input
// of h x w and returns the output size.
func (l *Layer) window(h, w int) (oh, ow int, err error) {
	dim := func(in, k, s int) (out, before, after int, ok bool) {
		if l.Padding == PadSame {
			out = (in + s - 1) / s
			total := max((out-1)*s+k-in, 0)
			return out, total / 2, total - total/2, true
		}
		if in < k {
			return 0, 0, 0, false
		}
		return (in-k)/s + 1, 0, 0, true
	}
	var ok1, ok2 bool
	oh, l.PadTop, l.PadBottom, ok1 = dim(h, l.KH, l.SH)
	ow, l.PadLeft, l.PadRight, ok2 = dim(w, l.KW, l.SW)
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("%w: %dx%d window larger than the %dx%d input", ErrFormat, l.KH, l.KW, h, w)
	}
	return oh, ow, nil
}
