package kernels

import (
	"math"

	"github.com/facecluster/facecluster/asm"
)

// Activation is an activation fused into a kernel's output.
type Activation uint8

const (
	ActNone  Activation = iota // identity
	ActReLU                    // max(x, 0)
	ActReLU6                   // min(max(x, 0), 6)
)

// String returns the activation's name.
func (a Activation) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActReLU:
		return "relu"
	case ActReLU6:
		return "relu6"
	}
	return "Activation(?)"
}

// bounds returns the clamp interval [lo, hi] implementing a.
func (a Activation) bounds() (lo, hi float32) {
	switch a {
	case ActNone:
		return float32(math.Inf(-1)), float32(math.Inf(1))
	case ActReLU:
		return 0, float32(math.Inf(1))
	case ActReLU6:
		return 0, 6
	}
	panic("kernels: unknown activation")
}

// Add sets out[i] = act(a[i] + b[i]) for i < len(a). out may be a or b (in
// place). NaN propagates through every activation. It panics if len(b) !=
// len(a) or len(out) < len(a).
func Add(out, a, b []float32, act Activation) {
	if len(b) != len(a) {
		panic("kernels: Add: len(a) != len(b)")
	}
	if len(out) < len(a) {
		panic("kernels: Add: output shorter than the inputs")
	}
	lo, hi := act.bounds()
	asm.AddClamp(out, a, b, lo, hi)
}

// ReLU sets out[i] = max(in[i], 0) for i < len(in); NaN stays NaN. out may
// be in. It panics if len(out) < len(in).
func ReLU(out, in []float32) {
	clamp(out, in, 0, float32(math.Inf(1)))
}

// ReLU6 sets out[i] = min(max(in[i], 0), 6) for i < len(in); NaN stays NaN.
// out may be in. It panics if len(out) < len(in).
func ReLU6(out, in []float32) {
	clamp(out, in, 0, 6)
}

func clamp(out, in []float32, lo, hi float32) {
	if len(out) < len(in) {
		panic("kernels: output shorter than the input")
	}
	asm.Clamp(out, in, lo, hi)
}

// Mean sets out[ch] to the mean over the h x w positions of channel ch of
// the NHWC tensor in [h, w, c] (global average pooling). It accumulates in
// float32 in out, so it allocates nothing. It panics on a negative
// dimension, h*w == 0 with c > 0, or slices shorter than the shapes.
func Mean(out, in []float32, h, w, c int) {
	if h < 0 || w < 0 || c < 0 {
		panic("kernels: negative tensor dimension")
	}
	if c == 0 {
		return
	}
	if h*w == 0 {
		panic("kernels: Mean over an empty tensor")
	}
	if len(in) < h*w*c || len(out) < c {
		panic("kernels: slice shorter than the shape")
	}
	o := out[:c]
	copy(o, in[:c])
	for p := 1; p < h*w; p++ {
		x := in[p*c:][:c]
		for ch, v := range x {
			o[ch] += v
		}
	}
	inv := 1 / float32(h*w)
	for ch := range o {
		o[ch] *= inv
	}
}

// PadChannels copies the n pixels of in [n, c] into out [n, c2], c2 >= c,
// filling channels c..c2-1 with zeros (TensorFlow's Pad on the channel axis
// only). out must not overlap in. It panics if c2 < c, a size is negative or
// a slice is shorter than its shape.
func PadChannels(out, in []float32, n, c, c2 int) {
	if n < 0 || c < 0 || c2 < c {
		panic("kernels: PadChannels: bad sizes")
	}
	if len(in) < n*c || len(out) < n*c2 {
		panic("kernels: PadChannels: slice shorter than the shape")
	}
	for p := 0; p < n; p++ {
		o := out[p*c2:][:c2]
		copy(o, in[p*c:][:c])
		clear(o[c:])
	}
}
