package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/facecluster/facecluster/nn"
)

// graphSpec says how to convert one TF.js graph model.
type graphSpec struct {
	input      string // placeholder node
	inputShape []int
	outputs    []output // names: nodes to keep, renamed by name
	strip      string   // prefix removed from node names
}

// convertGraph turns a TF.js graph model into our layers, keeping only what
// the requested outputs need, and folds as it goes:
//   - _FusedConv2D (BiasAdd, optional Relu) and Conv2D become Conv2D;
//     DepthwiseConv2dNative becomes DepthwiseConv2D (multiplier 1);
//   - Mul and Add/AddV2 by a constant into the preceding convolution's
//     weights and bias (batch norm);
//   - AddV2 of a convolution and another value into the convolution's
//     residual input; other adds stay Add layers;
//   - Relu into the preceding convolution or Add, then Minimum(6) into ReLU6
//     and Maximum(0) after a ReLU away;
//   - Pad by constants, MaxPool, Mean over H and W, Reshape by a constant
//     shape, Identity (an alias).
//
// Any other op, or a pattern these rules do not cover, is an error.
func convertGraph(g *graphModel, weights map[string]*weight, spec graphSpec, outNames []string) ([]output, error) {
	nodes := map[string]*tfNode{}
	for i := range g.ModelTopology.Node {
		n := &g.ModelTopology.Node[i]
		nodes[n.Name] = n
	}
	// Layers are named after the Keras layer a node belongs to: the first
	// component of its name (conv2d_1/BiasAdd -> conv2d_1), or for a
	// convolution whose node was renamed after the batch norm merged into
	// it (conv_pw_1_bn/batchnorm_1/mul_1), the layer of its weights
	// (conv_pw_1/convolution/merged_input -> conv_pw_1). The model file
	// rejects duplicates, so a clash cannot go unnoticed.
	short := func(n *tfNode) string {
		first, _, _ := strings.Cut(strings.TrimPrefix(n.Name, spec.strip), "/")
		if strings.HasSuffix(first, "_bn") && len(n.Input) > 1 {
			first, _, _ = strings.Cut(strings.TrimPrefix(n.Input[1], spec.strip), "/")
		}
		return first
	}
	// Count consumers of each node among the nodes reachable from the
	// outputs, so that folding never changes a value someone else reads.
	users := map[string]int{}
	seen := map[string]bool{}
	var mark func(name string) error
	mark = func(name string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		n, ok := nodes[name]
		if !ok {
			return fmt.Errorf("no node %q", name)
		}
		for _, in := range n.Input {
			in = strings.TrimSuffix(in, ":0")
			users[in]++
			if err := mark(in); err != nil {
				return err
			}
		}
		return nil
	}
	for _, o := range outNames {
		if err := mark(o); err != nil {
			return nil, err
		}
	}

	done := map[string]*lay{}
	var conv func(name string) (*lay, error)
	constant := func(name string) (*weight, error) {
		n, ok := nodes[name]
		if !ok || n.Op != "Const" {
			return nil, fmt.Errorf("%s is not a constant", name)
		}
		w, ok := weights[name]
		if !ok {
			return nil, fmt.Errorf("constant %s has no weights", name)
		}
		return w, nil
	}
	// operands splits a binary node's inputs into the non-constant value
	// and the constant (nil when both are values).
	operands := func(n *tfNode) (x *lay, c *weight, y *lay, err error) {
		if len(n.Input) != 2 {
			return nil, nil, nil, fmt.Errorf("%s: %d inputs", n.Name, len(n.Input))
		}
		a, b := n.Input[0], n.Input[1]
		if nodes[a] != nil && nodes[a].Op == "Const" {
			a, b = b, a
		}
		if x, err = conv(a); err != nil {
			return
		}
		if nodes[b] != nil && nodes[b].Op == "Const" {
			c, err = constant(b)
			return
		}
		y, err = conv(b)
		return
	}
	// channelConst returns a per-channel (or scalar) constant's values.
	channelConst := func(w *weight) ([]float64, error) {
		for i, d := range w.Shape {
			if d != 1 && i != len(w.Shape)-1 {
				return nil, fmt.Errorf("constant %s of shape %v is not per-channel", w.Name, w.Shape)
			}
		}
		return w.Data, nil
	}
	scalar := func(w *weight) (float64, bool) {
		if len(w.Data) != 1 {
			return 0, false
		}
		return w.Data[0], true
	}

	conv = func(name string) (*lay, error) {
		name = strings.TrimSuffix(name, ":0")
		if l, ok := done[name]; ok {
			return l, nil
		}
		n, ok := nodes[name]
		if !ok {
			return nil, fmt.Errorf("no node %q", name)
		}
		l := &lay{name: short(n), users: users[name]}
		fail := func(format string, args ...any) (*lay, error) {
			return nil, fmt.Errorf("%s (%s): "+format, append([]any{name, n.Op}, args...)...)
		}
		switch n.Op {
		case "Placeholder":
			if name != spec.input {
				return fail("unexpected placeholder")
			}
			l.op, l.shape = opInput, spec.inputShape

		case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative":
			if err := checkConvAttrs(n); err != nil {
				return nil, err
			}
			x, err := conv(n.Input[0])
			if err != nil {
				return nil, err
			}
			w, err := constant(n.Input[1])
			if err != nil {
				return nil, err
			}
			l.in, l.w = []*lay{x}, newTens(w)
			l.op = nn.OpConv2D
			if n.Op == "DepthwiseConv2dNative" {
				l.op = nn.OpDepthwiseConv2D
				if len(w.Shape) != 4 || w.Shape[3] != 1 {
					return fail("depthwise weights %v: only multiplier 1 is supported", w.Shape)
				}
				l.w.shape = w.Shape[:3]
			}
			strides, _ := n.ints("strides")
			l.sh, l.sw = strides[1], strides[2]
			if l.pad, err = padding(n); err != nil {
				return nil, err
			}
			if n.Op == "_FusedConv2D" {
				ops := n.Attr["fused_ops"].List.S
				if len(ops) < 1 || string(ops[0]) != "BiasAdd" || len(n.Input) != 3 {
					return fail("fused ops %q", ops)
				}
				b, err := constant(n.Input[2])
				if err != nil {
					return nil, err
				}
				l.b = newTens(b)
				switch {
				case len(ops) == 1:
				case len(ops) == 2 && string(ops[1]) == "Relu":
					l.act = nn.ActReLU
				default:
					return fail("fused ops %q", ops)
				}
			} else if len(n.Input) != 2 {
				return fail("%d inputs", len(n.Input))
			}

		case "Mul", "Add", "AddV2":
			x, c, y, err := operands(n)
			if err != nil {
				return nil, err
			}
			if c != nil {
				if !x.isFoldableConv() {
					return fail("constant operand after %s, which cannot absorb it", x.name)
				}
				v, err := channelConst(c)
				if err != nil {
					return nil, err
				}
				if n.Op == "Mul" {
					err = x.mulChannels(v)
				} else {
					err = x.addBias(v)
				}
				if err != nil {
					return nil, err
				}
				x.users = l.users
				done[name] = x
				return x, nil
			}
			if n.Op == "Mul" {
				return fail("product of two values")
			}
			// A convolution read only here takes the other operand as its
			// residual; it must not be the other operand's producer.
			for _, pair := range [][2]*lay{{y, x}, {x, y}} {
				cv, r := pair[0], pair[1]
				if cv.isFoldableConv() && cv != r {
					cv.in = append(cv.in, r)
					cv.users = l.users
					done[name] = cv
					return cv, nil
				}
			}
			l.op, l.in = nn.OpAdd, []*lay{x, y}

		case "Relu":
			x, err := conv(n.Input[0])
			if err != nil {
				return nil, err
			}
			if x.users != 1 || x.act != nn.ActNone || !(x.op == nn.OpConv2D || x.op == nn.OpDepthwiseConv2D || x.op == nn.OpAdd) {
				return fail("cannot fuse into %s", x.name)
			}
			x.act, x.users = nn.ActReLU, l.users
			done[name] = x
			return x, nil

		case "Minimum", "Maximum":
			x, c, _, err := operands(n)
			if err != nil {
				return nil, err
			}
			v, ok := 0.0, false
			if c != nil {
				v, ok = scalar(c)
			}
			switch {
			case n.Op == "Minimum" && ok && v == 6 && x.act == nn.ActReLU && x.users == 1:
				x.act = nn.ActReLU6
			case n.Op == "Maximum" && ok && v == 0 && (x.act == nn.ActReLU || x.act == nn.ActReLU6) && x.users == 1:
			default:
				return fail("only ReLU6 written as Relu, Minimum(6), Maximum(0) is supported")
			}
			x.users = l.users
			done[name] = x
			return x, nil

		case "MaxPool":
			x, err := conv(n.Input[0])
			if err != nil {
				return nil, err
			}
			k, _ := n.ints("ksize")
			s, _ := n.ints("strides")
			if len(k) != 4 || len(s) != 4 || k[0] != 1 || k[3] != 1 || s[0] != 1 || s[3] != 1 || n.str("data_format") != "NHWC" {
				return fail("window %v strides %v", k, s)
			}
			l.op, l.in, l.kh, l.kw, l.sh, l.sw = nn.OpMaxPool, []*lay{x}, k[1], k[2], s[1], s[2]
			if l.pad, err = padding(n); err != nil {
				return nil, err
			}

		case "Pad":
			x, err := conv(n.Input[0])
			if err != nil {
				return nil, err
			}
			p, err := constant(n.Input[1])
			if err != nil {
				return nil, err
			}
			if !slices.Equal(p.Shape, []int{4, 2}) || p.Data[0] != 0 || p.Data[1] != 0 {
				return fail("paddings %v %v", p.Shape, p.Data)
			}
			l.op, l.in = nn.OpPad, []*lay{x}
			for i := range l.pads {
				l.pads[i] = int(p.Data[2+i])
			}

		case "Reshape":
			x, err := conv(n.Input[0])
			if err != nil {
				return nil, err
			}
			s, err := constant(n.Input[1])
			if err != nil {
				return nil, err
			}
			l.op, l.in = nn.OpReshape, []*lay{x}
			for _, d := range s.Data {
				if d < 1 {
					return fail("shape %v: only explicit dimensions are supported", s.Data)
				}
				l.shape = append(l.shape, int(d))
			}

		case "Mean":
			x, err := conv(n.Input[0])
			if err != nil {
				return nil, err
			}
			axes, err := constant(n.Input[1])
			if err != nil {
				return nil, err
			}
			if !slices.Equal(axes.Data, []float64{1, 2}) || n.Attr["keep_dims"].B {
				return fail("axes %v keep_dims %v: only the mean over H and W is supported", axes.Data, n.Attr["keep_dims"].B)
			}
			l.op, l.in = nn.OpMean, []*lay{x}

		case "Identity":
			x, err := conv(n.Input[0])
			if err != nil {
				return nil, err
			}
			done[name] = x
			return x, nil

		default:
			return fail("unsupported op")
		}
		done[name] = l
		return l, nil
	}

	var outs []output
	for i, o := range outNames {
		l, err := conv(o)
		if err != nil {
			return nil, err
		}
		outs = append(outs, output{name: spec.outputs[i].name, l: l})
	}
	return outs, nil
}

func padding(n *tfNode) (nn.Padding, error) {
	switch n.str("padding") {
	case "SAME":
		return nn.PadSame, nil
	case "VALID":
		return nn.PadValid, nil
	}
	return 0, fmt.Errorf("%s: padding %q", n.Name, n.str("padding"))
}

func checkConvAttrs(n *tfNode) error {
	if f := n.str("data_format"); f != "" && f != "NHWC" {
		return fmt.Errorf("%s: data format %s", n.Name, f)
	}
	s, err := n.ints("strides")
	if err != nil {
		return err
	}
	if len(s) != 4 || s[0] != 1 || s[3] != 1 {
		return fmt.Errorf("%s: strides %v", n.Name, s)
	}
	if d, _ := n.ints("dilations"); len(d) != 0 && !slices.Equal(d, []int{1, 1, 1, 1}) {
		return fmt.Errorf("%s: dilations %v", n.Name, d)
	}
	if len(n.Attr["explicit_paddings"].List.I) != 0 {
		return fmt.Errorf("%s: explicit paddings", n.Name)
	}
	return nil
}
