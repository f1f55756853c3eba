//go:build cref && cgo

package depthwisec

/*
#cgo CFLAGS: -O3 -march=native -std=c11

// The loop a C programmer writes for TensorFlow's DepthwiseConv2dNative
// (3x3, SAME padding, multiplier 1) with bias and ReLU, channels innermost
// so that the compiler can vectorise it.
static void depthwise3x3(float *out, const float *in, int h, int w, int c,
		const float *filter, const float *bias, int stride) {
	int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
	int pth = (oh - 1) * stride + 3 - h, ptw = (ow - 1) * stride + 3 - w;
	int pt = (pth > 0 ? pth : 0) / 2, pl = (ptw > 0 ? ptw : 0) / 2;
	for (int oy = 0; oy < oh; oy++) {
		for (int ox = 0; ox < ow; ox++) {
			float *o = out + ((long)oy * ow + ox) * c;
			for (int ch = 0; ch < c; ch++)
				o[ch] = bias[ch];
			for (int ky = 0; ky < 3; ky++) {
				int iy = oy * stride + ky - pt;
				if (iy < 0 || iy >= h)
					continue;
				for (int kx = 0; kx < 3; kx++) {
					int ix = ox * stride + kx - pl;
					if (ix < 0 || ix >= w)
						continue;
					const float *x = in + ((long)iy * w + ix) * c;
					const float *f = filter + (ky * 3 + kx) * c;
					for (int ch = 0; ch < c; ch++)
						o[ch] += x[ch] * f[ch];
				}
			}
			for (int ch = 0; ch < c; ch++)
				o[ch] = o[ch] > 0 ? o[ch] : 0;
		}
	}
}
*/
import "C"

import "unsafe"

// Depthwise3x3 runs the C loop: SAME padding, bias and ReLU. Slices must
// hold the shapes ([h,w,c] in, [3,3,c] filter, [c] bias, out [ceil(h/s),
// ceil(w/s), c]).
func Depthwise3x3(out, in []float32, h, w, c int, filter, bias []float32, stride int) {
	oh, ow := (h+stride-1)/stride, (w+stride-1)/stride
	if len(in) < h*w*c || len(filter) < 9*c || len(bias) < c || len(out) < oh*ow*c || c == 0 {
		panic("depthwisec: slice shorter than its shape")
	}
	C.depthwise3x3((*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&in[0])),
		C.int(h), C.int(w), C.int(c), (*C.float)(unsafe.Pointer(&filter[0])),
		(*C.float)(unsafe.Pointer(&bias[0])), C.int(stride))
}
