package main

import (
	"fmt"

	"github.com/facecluster/facecluster/nn"
)

// dlibNet builds dlib's ResNet face recogniser (as face-api.js runs it,
// src/faceRecognitionNet in @vladmandic/face-api) from its weights:
//
//	conv(x, p, stride, relu, pad) = act((conv2d(x, p/conv/filters) + p/conv/bias)
//	                                    * p/scale/weights + p/scale/biases)
//
// with the scale layer folded into the convolution (the uint8 filters keep
// their bytes; min and scale become per output channel). residual(x) is
// relu(conv2(conv1(x)) + x), the add and ReLU fused into conv2.
// residual_down(x) adds conv2(conv1 stride 2 VALID (x)) to AvgPool 2x2/2
// VALID of x, whose channels are zero-padded up to conv2's; when the
// convolution's output is one row and column smaller, face-api.js appends
// a zero row and column to it first: we then emit conv2, Pad and Add
// instead of the fused residual.
func dlibNet(w map[string]*weight) ([]output, error) {
	used := map[string]bool{}
	get := func(name string) (*weight, error) {
		t, ok := w[name]
		if !ok {
			return nil, fmt.Errorf("dlib: no weight %s", name)
		}
		used[name] = true
		return t, nil
	}
	shapes := map[*lay][]int{}
	input := &lay{op: opInput, name: "input", shape: []int{1, 150, 150, 3}}
	shapes[input] = input.shape

	convLayer := func(x *lay, p string, stride int, act nn.Activation, pad nn.Padding) (*lay, error) {
		f, err := get(p + "/conv/filters")
		if err != nil {
			return nil, err
		}
		b, err := get(p + "/conv/bias")
		if err != nil {
			return nil, err
		}
		sw, err := get(p + "/scale/weights")
		if err != nil {
			return nil, err
		}
		sb, err := get(p + "/scale/biases")
		if err != nil {
			return nil, err
		}
		l := &lay{op: nn.OpConv2D, name: p, in: []*lay{x}, sh: stride, sw: stride, pad: pad, w: newTens(f), b: newTens(b), users: 1}
		// The bias came quantized too; it is folded into float32.
		l.b.q, l.b.qmin, l.b.qscale = nil, nil, nil
		if err := l.mulChannels(sw.Data); err != nil {
			return nil, err
		}
		if err := l.addBias(sb.Data); err != nil {
			return nil, err
		}
		l.act = act
		xs := shapes[x]
		k := f.Shape[0]
		out := func(in int) int {
			if pad == nn.PadSame {
				return (in + stride - 1) / stride
			}
			return (in-k)/stride + 1
		}
		shapes[l] = []int{1, out(xs[1]), out(xs[2]), f.Shape[3]}
		return l, nil
	}
	residual := func(x *lay, p string) (*lay, error) {
		y, err := convLayer(x, p+"/conv1", 1, nn.ActReLU, nn.PadSame)
		if err != nil {
			return nil, err
		}
		y, err = convLayer(y, p+"/conv2", 1, nn.ActNone, nn.PadSame)
		if err != nil {
			return nil, err
		}
		y.in = append(y.in, x)
		y.act = nn.ActReLU
		return y, nil
	}
	residualDown := func(x *lay, p string) (*lay, error) {
		y, err := convLayer(x, p+"/conv1", 2, nn.ActReLU, nn.PadValid)
		if err != nil {
			return nil, err
		}
		y, err = convLayer(y, p+"/conv2", 1, nn.ActNone, nn.PadSame)
		if err != nil {
			return nil, err
		}
		xs, ys := shapes[x], shapes[y]
		var s *lay = &lay{op: nn.OpAvgPool, name: p + "/avgpool", in: []*lay{x}, kh: 2, kw: 2, sh: 2, sw: 2, pad: nn.PadValid}
		ss := []int{1, xs[1] / 2, xs[2] / 2, xs[3]}
		if ys[3] != ss[3] {
			if ys[3] != 2*ss[3] {
				return nil, fmt.Errorf("dlib: %s: %d channels after %d", p, ys[3], ss[3])
			}
			s = &lay{op: nn.OpPad, name: p + "/avgpool/pad", in: []*lay{s}, pads: [6]int{0, 0, 0, 0, 0, ss[3]}}
			ss[3] *= 2
		}
		switch {
		case ys[1] == ss[1] && ys[2] == ss[2]:
			y.in = append(y.in, s)
			y.act = nn.ActReLU
			shapes[y] = ss
			return y, nil
		case ys[1]+1 == ss[1] && ys[2]+1 == ss[2]:
			yp := &lay{op: nn.OpPad, name: p + "/conv2/pad", in: []*lay{y}, pads: [6]int{0, 1, 0, 1, 0, 0}}
			add := &lay{op: nn.OpAdd, name: p + "/add", in: []*lay{yp, s}, act: nn.ActReLU}
			shapes[add] = ss
			return add, nil
		}
		return nil, fmt.Errorf("dlib: %s: shapes %v and %v", p, ys, ss)
	}

	x, err := convLayer(input, "conv32_down", 2, nn.ActReLU, nn.PadValid)
	if err != nil {
		return nil, err
	}
	x = &lay{op: nn.OpMaxPool, name: "maxpool", in: []*lay{x}, kh: 3, kw: 3, sh: 2, sw: 2, pad: nn.PadValid}
	xs := shapes[x.in[0]]
	shapes[x] = []int{1, (xs[1]-3)/2 + 1, (xs[2]-3)/2 + 1, xs[3]}
	for _, step := range []struct {
		name string
		down bool
	}{
		{"conv32_1", false}, {"conv32_2", false}, {"conv32_3", false},
		{"conv64_down", true}, {"conv64_1", false}, {"conv64_2", false}, {"conv64_3", false},
		{"conv128_down", true}, {"conv128_1", false}, {"conv128_2", false},
		{"conv256_down", true}, {"conv256_1", false}, {"conv256_2", false},
		{"conv256_down_out", true},
	} {
		if step.down {
			x, err = residualDown(x, step.name)
		} else {
			x, err = residual(x, step.name)
		}
		if err != nil {
			return nil, err
		}
	}
	mean := &lay{op: nn.OpMean, name: "mean", in: []*lay{x}}
	fc, err := get("fc")
	if err != nil {
		return nil, err
	}
	out := &lay{op: nn.OpMatMul, name: "fc", in: []*lay{mean}, w: newTens(fc)}
	for name := range w {
		if !used[name] {
			return nil, fmt.Errorf("dlib: weight %s is not used", name)
		}
	}
	return []output{{name: "descriptor", l: out}}, nil
}
