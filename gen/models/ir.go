package main

import (
	"fmt"
	"math"

	"github.com/facecluster/facecluster/nn"
)

// opInput marks a graph input in the intermediate representation.
const opInput nn.Op = 0

// lay is a layer of the intermediate representation the converters build
// and fold before it is written as an nn.File.
type lay struct {
	op     nn.Op
	name   string
	in     []*lay
	act    nn.Activation
	kh, kw int // pooling window (convolutions take theirs from w)
	sh, sw int
	pad    nn.Padding
	pads   [6]int // Pad: top, bottom, left, right, front, back
	shape  []int  // Reshape target; input shape
	w, b   *tens
	users  int
}

// tens is a weight tensor in float64, with its uint8 source when it came
// quantized: value i ~ qmin[c] + qscale[c]*q[i], c per channel of the last
// axis (len(qmin) == last dim) or 0 (len(qmin) == 1).
type tens struct {
	shape        []int
	data         []float64
	q            []uint8
	qmin, qscale []float64
}

func newTens(w *weight) *tens {
	t := &tens{shape: append([]int(nil), w.Shape...), data: append([]float64(nil), w.Data...)}
	if w.Q != nil {
		t.q = w.Q
		t.qmin, t.qscale = []float64{w.QMin}, []float64{w.QScale}
	}
	return t
}

func (t *tens) channels() int { return t.shape[len(t.shape)-1] }

// scaleChannels multiplies channel c (last axis) by m[c], keeping the
// quantized form exact: min and scale become per-channel.
func (t *tens) scaleChannels(m []float64) error {
	c := t.channels()
	if len(m) != c {
		return fmt.Errorf("scale of %d channels for a tensor of shape %v", len(m), t.shape)
	}
	for i := range t.data {
		t.data[i] *= m[i%c]
	}
	if t.q != nil {
		qmin, qscale := make([]float64, c), make([]float64, c)
		for i := range qmin {
			j := 0
			if len(t.qmin) > 1 {
				j = i
			}
			qmin[i], qscale[i] = t.qmin[j]*m[i], t.qscale[j]*m[i]
		}
		t.qmin, t.qscale = qmin, qscale
	}
	return nil
}

// isConv reports whether l is a convolution whose output can still absorb
// a per-channel scale, a bias, a residual or an activation.
func (l *lay) isFoldableConv() bool {
	return (l.op == nn.OpConv2D || l.op == nn.OpDepthwiseConv2D) && l.users == 1 && l.act == nn.ActNone && len(l.in) == 1
}

// addBias adds c[ch] to the bias of a convolution, creating it if absent.
func (l *lay) addBias(c []float64) error {
	n := l.w.channels()
	if len(c) == 1 {
		c = repeat(c[0], n)
	}
	if len(c) != n {
		return fmt.Errorf("%s: bias of %d channels, conv has %d", l.name, len(c), n)
	}
	if l.b == nil {
		l.b = &tens{shape: []int{n}, data: make([]float64, n)}
	}
	for i := range c {
		l.b.data[i] += c[i]
	}
	return nil
}

// mulChannels multiplies the output of a convolution by m[ch].
func (l *lay) mulChannels(m []float64) error {
	if len(m) == 1 {
		m = repeat(m[0], l.w.channels())
	}
	if err := l.w.scaleChannels(m); err != nil {
		return fmt.Errorf("%s: %v", l.name, err)
	}
	if l.b != nil {
		if err := l.b.scaleChannels(m); err != nil {
			return fmt.Errorf("%s: %v", l.name, err)
		}
	}
	return nil
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// output is a named graph output.
type output struct {
	name string
	l    *lay
}

// emit orders the layers reachable from the outputs (inputs first, then
// depth-first post-order) and writes them as an nn.File.
func emit(name string, meta []nn.KV, outs []output) (*nn.File, error) {
	f := &nn.File{Name: name, Meta: meta}
	ids := map[*lay]int{}
	var inputs, order []*lay
	var visit func(l *lay) error
	onStack := map[*lay]bool{}
	visit = func(l *lay) error {
		if _, ok := ids[l]; ok {
			return nil
		}
		if onStack[l] {
			return fmt.Errorf("cycle at %s", l.name)
		}
		onStack[l] = true
		for _, in := range l.in {
			if err := visit(in); err != nil {
				return err
			}
		}
		onStack[l] = false
		ids[l] = -1
		if l.op == opInput {
			inputs = append(inputs, l)
		} else {
			order = append(order, l)
		}
		return nil
	}
	for _, o := range outs {
		if err := visit(o.l); err != nil {
			return nil, err
		}
	}
	for _, l := range inputs {
		ids[l] = len(f.Inputs)
		f.Inputs = append(f.Inputs, nn.FileValue{Name: l.name, Shape: l.shape})
	}
	addTensor := func(t *tens, name string) (int, error) {
		ft, err := storeTensor(t, name)
		if err != nil {
			return 0, err
		}
		f.Tensors = append(f.Tensors, ft)
		return len(f.Tensors) - 1, nil
	}
	for i, l := range order {
		ids[l] = len(f.Inputs) + i
		fl := nn.FileLayer{Op: l.op, Name: l.name}
		for _, in := range l.in {
			fl.Inputs = append(fl.Inputs, ids[in])
		}
		switch l.op {
		case nn.OpConv2D, nn.OpDepthwiseConv2D:
			fl.Ints = []int{l.sh, l.sw, int(l.pad), int(l.act)}
		case nn.OpMaxPool, nn.OpAvgPool:
			fl.Ints = []int{l.kh, l.kw, l.sh, l.sw, int(l.pad)}
		case nn.OpPad:
			fl.Ints = l.pads[:]
		case nn.OpAdd, nn.OpMatMul:
			fl.Ints = []int{int(l.act)}
		case nn.OpMean:
		case nn.OpReshape:
			fl.Ints = l.shape
		default:
			return nil, fmt.Errorf("%s: cannot emit op %v", l.name, l.op)
		}
		if l.w != nil {
			k, err := addTensor(l.w, l.name+"/weights")
			if err != nil {
				return nil, err
			}
			fl.Tensors = append(fl.Tensors, k)
		}
		if l.b != nil {
			k, err := addTensor(l.b, l.name+"/bias")
			if err != nil {
				return nil, err
			}
			fl.Tensors = append(fl.Tensors, k)
		}
		f.Layers = append(f.Layers, fl)
	}
	for _, o := range outs {
		f.Outputs = append(f.Outputs, nn.FileOutput{Name: o.name, Value: ids[o.l]})
	}
	return f, nil
}

// Storage policy (see models/NOTICE and gen/models/main.go):
//   - a tensor that came uint8-quantized stays uint8, with a float32 min and
//     scale per output channel when a folded scale made them per-channel;
//   - a tensor of at least f16Min values that float16 holds exactly (faceres'
//     weights, published as float16 and not changed by folding) is float16;
//   - everything else is float32.
const f16Min = 1024

func storeTensor(t *tens, name string) (nn.FileTensor, error) {
	ft := nn.FileTensor{Name: name, Shape: t.shape}
	if t.q != nil {
		ft.DType = nn.Uint8
		ft.Q = t.q
		var worst float64
		for c := range t.qmin {
			ft.Min = append(ft.Min, float32(t.qmin[c]))
			ft.Scale = append(ft.Scale, float32(t.qscale[c]))
		}
		// The stored form must reproduce the folded values to float32
		// rounding: check against the float64 fold.
		var big float64
		for i, v := range t.data {
			c := 0
			if len(ft.Min) > 1 {
				c = i % len(ft.Min)
			}
			got := float64(float32(float64(ft.Min[c]) + float64(ft.Scale[c])*float64(t.q[i])))
			worst = max(worst, math.Abs(got-v))
			big = max(big, math.Abs(v))
		}
		if worst > 1e-6*big {
			return ft, fmt.Errorf("%s: uint8 storage off by %g (max |w| %g)", name, worst, big)
		}
		return ft, nil
	}
	half := make([]uint16, len(t.data))
	exact := len(t.data) >= f16Min
	for i, v := range t.data {
		if !exact {
			break
		}
		f := float32(v)
		if float64(f) != v {
			exact = false
			break
		}
		half[i], exact = nn.Float32ToFloat16(f)
	}
	if exact {
		ft.DType, ft.F16 = nn.Float16, half
		return ft, nil
	}
	ft.DType = nn.Float32
	ft.F32 = make([]float32, len(t.data))
	for i, v := range t.data {
		ft.F32[i] = float32(v)
	}
	return ft, nil
}
