package nn_test

import (
	"fmt"
	"math"

	"github.com/facecluster/facecluster/nn"
)

// refRun is the reference interpreter: it runs m in float64 with naive
// loops, straight from the layer semantics in the package documentation,
// and returns every value (inputs first). It is slow and allocates; it is
// what the converted models and the executor are checked against.
func refRun(m *nn.Model, inputs ...[]float64) ([][]float64, error) {
	if len(inputs) != len(m.Inputs) {
		return nil, fmt.Errorf("%d inputs, model has %d", len(inputs), len(m.Inputs))
	}
	vals := make([][]float64, len(m.Values))
	for i, id := range m.Inputs {
		if len(inputs[i]) != m.Values[id].Elems() {
			return nil, fmt.Errorf("input %d: %d values, want %d", i, len(inputs[i]), m.Values[id].Elems())
		}
		vals[id] = inputs[i]
	}
	for li := range m.Layers {
		l := &m.Layers[li]
		x := vals[l.In[0]]
		xs := m.Values[l.In[0]].Shape
		os := m.Values[l.Out].Shape
		out := make([]float64, m.Values[l.Out].Elems())
		switch l.Op {
		case nn.OpConv2D, nn.OpDepthwiseConv2D:
			refConv(l, x, xs, out, os)
			if r := l.Residual(); r >= 0 {
				for i, v := range vals[r] {
					out[i] += v
				}
			}
			activate(out, l.Act)
		case nn.OpMaxPool, nn.OpAvgPool:
			refPool(l, x, xs, out, os)
		case nn.OpPad:
			for n := 0; n < xs[0]; n++ {
				for y := 0; y < xs[1]; y++ {
					for xx := 0; xx < xs[2]; xx++ {
						src := ((n*xs[1]+y)*xs[2] + xx) * xs[3]
						dst := ((n*os[1]+y+l.PadTop)*os[2]+xx+l.PadLeft)*os[3] + l.PadFront
						copy(out[dst:dst+xs[3]], x[src:src+xs[3]])
					}
				}
			}
		case nn.OpAdd:
			for i, v := range vals[l.In[1]] {
				out[i] = x[i] + v
			}
			activate(out, l.Act)
		case nn.OpMean:
			hw := xs[1] * xs[2]
			for n := 0; n < xs[0]; n++ {
				for p := 0; p < hw; p++ {
					for c := 0; c < xs[3]; c++ {
						out[n*xs[3]+c] += x[(n*hw+p)*xs[3]+c]
					}
				}
			}
			for i := range out {
				out[i] /= float64(hw)
			}
		case nn.OpMatMul:
			k, mm := xs[1], os[1]
			w := l.Weights.Data
			for n := 0; n < xs[0]; n++ {
				for j := 0; j < mm; j++ {
					s := 0.0
					if l.Bias != nil {
						s = float64(l.Bias.Data[j])
					}
					for i := 0; i < k; i++ {
						s += x[n*k+i] * float64(w[i*mm+j])
					}
					out[n*mm+j] = s
				}
			}
			activate(out, l.Act)
		case nn.OpReshape:
			copy(out, x)
		default:
			return nil, fmt.Errorf("layer %s: op %v", l.Name, l.Op)
		}
		vals[l.Out] = out
	}
	return vals, nil
}

func activate(v []float64, a nn.Activation) {
	switch a {
	case nn.ActReLU:
		for i := range v {
			v[i] = max(v[i], 0)
		}
	case nn.ActReLU6:
		for i := range v {
			v[i] = min(max(v[i], 0), 6)
		}
	}
}

// refConv computes conv(x, W) + B (no residual or activation).
func refConv(l *nn.Layer, x []float64, xs []int, out []float64, os []int) {
	depthwise := l.Op == nn.OpDepthwiseConv2D
	cin, cout := xs[3], os[3]
	w := make([]float64, len(l.Weights.Data))
	for i, v := range l.Weights.Data {
		w[i] = float64(v)
	}
	acc := make([]float64, cout)
	for n := 0; n < os[0]; n++ {
		for oy := 0; oy < os[1]; oy++ {
			for ox := 0; ox < os[2]; ox++ {
				for c := range acc {
					acc[c] = 0
					if l.Bias != nil {
						acc[c] = float64(l.Bias.Data[c])
					}
				}
				for ky := 0; ky < l.KH; ky++ {
					iy := oy*l.SH - l.PadTop + ky
					if iy < 0 || iy >= xs[1] {
						continue
					}
					for kx := 0; kx < l.KW; kx++ {
						ix := ox*l.SW - l.PadLeft + kx
						if ix < 0 || ix >= xs[2] {
							continue
						}
						px := x[((n*xs[1]+iy)*xs[2]+ix)*cin:][:cin]
						if depthwise {
							wk := w[(ky*l.KW+kx)*cin:][:cin]
							for c, v := range px {
								acc[c] += v * wk[c]
							}
							continue
						}
						wk := w[(ky*l.KW+kx)*cin*cout:][:cin*cout]
						for ci, v := range px {
							row := wk[ci*cout:][:cout]
							for co, wv := range row {
								acc[co] += v * wv
							}
						}
					}
				}
				copy(out[((n*os[1]+oy)*os[2]+ox)*cout:], acc)
			}
		}
	}
}

// refPool computes max or average pooling; padded positions are ignored
// (max) or not counted (average), as in TensorFlow.
func refPool(l *nn.Layer, x []float64, xs []int, out []float64, os []int) {
	c := xs[3]
	for n := 0; n < os[0]; n++ {
		for oy := 0; oy < os[1]; oy++ {
			for ox := 0; ox < os[2]; ox++ {
				for ch := 0; ch < c; ch++ {
					best, sum, cnt := math.Inf(-1), 0.0, 0
					for ky := 0; ky < l.KH; ky++ {
						iy := oy*l.SH - l.PadTop + ky
						if iy < 0 || iy >= xs[1] {
							continue
						}
						for kx := 0; kx < l.KW; kx++ {
							ix := ox*l.SW - l.PadLeft + kx
							if ix < 0 || ix >= xs[2] {
								continue
							}
							v := x[((n*xs[1]+iy)*xs[2]+ix)*c+ch]
							best = max(best, v)
							sum += v
							cnt++
						}
					}
					o := &out[((n*os[1]+oy)*os[2]+ox)*c+ch]
					if l.Op == nn.OpMaxPool {
						*o = best
					} else {
						*o = sum / float64(cnt)
					}
				}
			}
		}
	}
}
