package kernels

import "github.com/facecluster/facecluster/asm"

// Padding selects how a sliding window treats the input's borders, as in
// TensorFlow.
type Padding uint8

const (
	// Valid uses only windows that lie entirely inside the input:
	// out = ceil((in-k+1)/stride), zero when the input is smaller than the
	// window.
	Valid Padding = iota
	// Same pads the input so that out = ceil(in/stride). The padding total
	// is max((out-1)*stride+k-in, 0); the smaller half goes before (top,
	// left), the larger after (bottom, right), exactly as TensorFlow does.
	Same
)

// String returns "VALID" or "SAME".
func (p Padding) String() string {
	switch p {
	case Valid:
		return "VALID"
	case Same:
		return "SAME"
	}
	return "Padding(?)"
}

// WindowOutput returns the output length of a window of size k sliding with
// stride over in elements under padding p, and the padding before the first
// element (TensorFlow's rule; see Padding). It panics if in < 0, k < 1,
// stride < 1 or p is unknown.
func WindowOutput(in, k, stride int, p Padding) (out, before int) {
	if in < 0 || k < 1 || stride < 1 {
		panic("kernels: window size, stride or input size out of range")
	}
	switch p {
	case Valid:
		if in < k {
			return 0, 0
		}
		return (in-k)/stride + 1, 0
	case Same:
		out = (in + stride - 1) / stride
		total := max((out-1)*stride+k-in, 0)
		return out, total / 2
	}
	panic("kernels: unknown padding")
}

// window is the clipped extent of one output position's window: taps
// [lo, hi) of the kernel fall inside the input, starting at input index
// start (the first valid tap's position).
func window(o, stride, before, k, in int) (lo, hi, start int) {
	i0 := o*stride - before
	lo = max(0, -i0)
	hi = min(k, in-i0)
	return lo, hi, i0 + lo
}

// checkPool validates the arguments common to MaxPool and AvgPool and
// returns the output size and padding before.
func checkPool(out, in []float32, h, w, c, kh, kw, sh, sw int, pad Padding) (oh, ow, pt, pl int) {
	if h < 0 || w < 0 || c < 0 {
		panic("kernels: negative tensor dimension")
	}
	if kh < 1 || kw < 1 || sh < 1 || sw < 1 {
		panic("kernels: pool window or stride < 1")
	}
	oh, pt = WindowOutput(h, kh, sh, pad)
	ow, pl = WindowOutput(w, kw, sw, pad)
	if len(in) < h*w*c {
		panic("kernels: input shorter than h*w*c")
	}
	if len(out) < oh*ow*c {
		panic("kernels: output shorter than the pooled shape")
	}
	return oh, ow, pt, pl
}

// poolRows runs a pooling row primitive over every output row: one call
// for the pixels whose window is not clipped horizontally and one per
// clipped border pixel.
func poolRows(out, in []float32, h, w, c, kh, kw, sh, sw int, pad Padding,
	row func(out, in []float32, n, cols, rows int, scale float32)) {
	oh, ow, pt, pl := checkPool(out, in, h, w, c, kh, kw, sh, sw, pad)
	if c == 0 || ow == 0 {
		return
	}
	// Output columns [xa, xb) have whole windows inside the input.
	xa := min((pl+sw-1)/sw, ow)
	xb := xa
	if w >= kw {
		xb = max(min((w-kw+pl)/sw+1, ow), xa)
	}
	for oy := 0; oy < oh; oy++ {
		ky0, ky1, iy := window(oy, sh, pt, kh, h)
		rows := ky1 - ky0
		o := out[oy*ow*c:]
		base := iy * w * c
		edge := func(ox int) {
			kx0, kx1, ix := window(ox, sw, pl, kw, w)
			row(o[ox*c:], in[base+ix*c:], 1, kx1-kx0, rows, 1/float32(rows*(kx1-kx0)))
		}
		for ox := 0; ox < xa; ox++ {
			edge(ox)
		}
		if xb > xa {
			row(o[xa*c:], in[base+(xa*sw-pl)*c:], xb-xa, kw, rows, 1/float32(rows*kw))
		}
		for ox := xb; ox < ow; ox++ {
			edge(ox)
		}
	}
}

// MaxPool computes a kh x kw max pooling with strides sh, sw of the NHWC
// tensor in [h, w, c] into out [oh, ow, c], where oh, ow are WindowOutput's
// sizes. Under Same the padded positions are ignored (as TensorFlow does);
// with h, w >= 1 every window holds at least one input element. NaN in a
// window gives NaN. It panics on a negative dimension, a window or stride
// below 1, or slices shorter than the shapes. It allocates nothing.
func MaxPool(out, in []float32, h, w, c, kh, kw, sh, sw int, pad Padding) {
	poolRows(out, in, h, w, c, kh, kw, sh, sw, pad, func(out, in []float32, n, cols, rows int, _ float32) {
		asm.MaxPoolRow(out, in, c, n, cols, sw, rows, w*c)
	})
}

// AvgPool computes a kh x kw average pooling with strides sh, sw of the NHWC
// tensor in [h, w, c] into out [oh, ow, c], where oh, ow are WindowOutput's
// sizes. Under Same each output is the mean of the window's elements inside
// the input only (TensorFlow's rule). It panics like MaxPool.
func AvgPool(out, in []float32, h, w, c, kh, kw, sh, sw int, pad Padding) {
	poolRows(out, in, h, w, c, kh, kw, sh, sw, pad, func(out, in []float32, n, cols, rows int, scale float32) {
		asm.AvgPoolRow(out, in, c, n, cols, sw, rows, w*c, scale)
	})
}
