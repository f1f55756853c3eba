package kernels

import "github.com/facecluster/facecluster/asm"

// DepthwiseOutput returns the output height and width of
// DepthwiseConv2D3x3 for an h x w input.
func DepthwiseOutput(h, w, stride int, pad Padding) (oh, ow int) {
	oh, _ = WindowOutput(h, 3, stride, pad)
	ow, _ = WindowOutput(w, 3, stride, pad)
	return oh, ow
}

// DepthwiseConv2D3x3 is TensorFlow's DepthwiseConv2dNative with a 3x3
// filter, channel multiplier 1, equal strides of 1 or 2, followed by an
// optional bias add and activation:
//
//	out[oy, ox, ch] = act(bias[ch] + Σ_{ky,kx<3} in[oy*stride+ky-pt, ox*stride+kx-pl, ch] * filter[ky, kx, ch])
//
// in is [h, w, c], filter [3, 3, c], bias [c] or nil (zero), out [oh, ow, c]
// with oh, ow from DepthwiseOutput. Taps outside the input count as zero;
// pt, pl are the padding before of WindowOutput (TensorFlow's asymmetric
// SAME padding: for stride 2 the extra row and column go bottom and right).
// Multiply-adds are fused at the vector levels. out must not overlap in.
//
// It panics on a negative dimension, a stride other than 1 or 2, an unknown
// padding or activation, or slices shorter than the shapes. It allocates
// nothing.
func DepthwiseConv2D3x3(out, in []float32, h, w, c int, filter, bias []float32, stride int, pad Padding, act Activation) {
	oh, _ := DepthwiseOutput(max(h, 0), max(w, 0), stride, pad)
	DepthwiseConv2D3x3Rows(out, in, h, w, c, filter, bias, stride, pad, act, 0, oh)
}

// DepthwiseConv2D3x3Rows computes output rows [oy0, oy1) of
// DepthwiseConv2D3x3 into out, which holds just those rows ([oy1-oy0, ow,
// c]; out[0] is row oy0) and reads in (the whole [h, w, c] input) only
// around them. It lets a network executor tile a depthwise layer with its
// neighbouring 1x1 convolution so that the band stays in cache. It panics
// like DepthwiseConv2D3x3, and if the rows are not 0 <= oy0 <= oy1 <= oh.
func DepthwiseConv2D3x3Rows(out, in []float32, h, w, c int, filter, bias []float32, stride int, pad Padding, act Activation, oy0, oy1 int) {
	DepthwiseConv2D3x3RowsPix(out, in, h, w, c, c, filter, bias, stride, pad, act, oy0, oy1)
}

// DepthwisePixelStride returns the pixel stride, in elements, at which
// DepthwiseConv2D3x3RowsPix reads an input of c channels fastest at the
// current level: c, or more where pixels c elements apart would crowd a
// few L1 sets (see asm.DepthwisePixelStride). A network executor can have
// the layer before write the input at that stride.
func DepthwisePixelStride(c int) int { return asm.DepthwisePixelStride(c) }

// DepthwiseConv2D3x3RowsPix is DepthwiseConv2D3x3Rows on an input whose
// pixels are inPix >= c elements apart (in is [h, w, inPix]; the elements
// past c of each pixel are not read); out is dense. It panics like
// DepthwiseConv2D3x3Rows, and if inPix < c.
func DepthwiseConv2D3x3RowsPix(out, in []float32, h, w, c, inPix int, filter, bias []float32, stride int, pad Padding, act Activation, oy0, oy1 int) {
	if h < 0 || w < 0 || c < 0 {
		panic("kernels: negative tensor dimension")
	}
	if inPix < c {
		panic("kernels: depthwise pixel stride below the channels")
	}
	if stride != 1 && stride != 2 {
		panic("kernels: depthwise stride must be 1 or 2")
	}
	lo, hi := act.bounds()
	oh, pt := WindowOutput(h, 3, stride, pad)
	ow, pl := WindowOutput(w, 3, stride, pad)
	if h > 0 && w > 0 && len(in) < (h*w-1)*inPix+c {
		panic("kernels: depthwise input shorter than h*w*c")
	}
	if len(filter) < 9*c {
		panic("kernels: depthwise filter shorter than 3*3*c")
	}
	if bias != nil && len(bias) < c {
		panic("kernels: depthwise bias shorter than c")
	}
	if oy0 < 0 || oy0 > oy1 || oy1 > oh {
		panic("kernels: depthwise rows outside the output")
	}
	if len(out) < (oy1-oy0)*ow*c {
		panic("kernels: depthwise output shorter than the output shape")
	}
	if c == 0 || oy0 == oy1 || ow == 0 {
		return
	}
	bias = bias[:len(bias):len(bias)]
	if len(bias) > c {
		bias = bias[:c]
	}
	// Output columns [xa, xb) have all three taps inside the input.
	xa := min((pl+stride-1)/stride, ow)
	xb := max(min((w-3+pl)/stride+1, ow), xa)
	if w < 3 {
		xb = xa
	}
	// The row kernel handles at most one border pixel on each side, with
	// two taps; narrower inputs take the pixel kernel for their borders.
	_, lk1, _ := window(0, stride, pl, 3, w)
	rk0, _, _ := window(ow-1, stride, pl, 3, w)
	padL := xa == 1 && lk1 == 3
	padR := xb == ow-1 && rk0 == 0 && (xb > 0 || padL)
	fast := (xa == 0 || padL) && (xb == ow || padR)
	if !fast && inPix != c {
		// The border pixel kernel reads pixels c apart: a dense copy
		// (narrow inputs only).
		sc := dwScratch.Get()
		defer dwScratch.Put(sc)
		sc.buf = grow(sc.buf, h*w*c)
		for i := range h * w {
			copy(sc.buf[i*c:(i+1)*c], in[i*inPix:i*inPix+c])
		}
		in, inPix = sc.buf, c
	}
	rowStride := w * inPix
	// Bands of output rows with the same vertical taps: at most a top row,
	// the interior and a bottom row.
	for oy := oy0; oy < oy1; {
		ky0, ky1, iy := window(oy, stride, pt, 3, h)
		m := 1
		for oy+m < oy1 {
			k0, k1, _ := window(oy+m, stride, pt, 3, h)
			if k0 != ky0 || k1 != ky1 {
				break
			}
			m++
		}
		rows := ky1 - ky0
		f := filter[3*ky0*c:]
		o := out[(oy-oy0)*ow*c:]
		base := iy * rowStride
		if fast {
			ix := max(xa*stride-pl, 0)
			if padL {
				ix = 0
			}
			asm.Depthwise3x3Rows(o, in[base+ix*inPix:], f, bias, c, inPix, stride, rows, m, rowStride, ow*c, xb-xa, padL, padR, lo, hi)
		} else {
			for i := 0; i < m; i++ {
				oi := o[i*ow*c:]
				bi := base + i*stride*rowStride
				for ox := 0; ox < ow; ox++ {
					if ox == xa && xb > xa {
						asm.Depthwise3x3Rows(oi[xa*c:], in[bi+(xa*stride-pl)*c:], f, bias, c, c, stride, rows, 1, rowStride, ow*c, xb-xa, false, false, lo, hi)
						ox = xb - 1
						continue
					}
					kx0, kx1, ix := window(ox, stride, pl, 3, w)
					asm.Depthwise3x3Pixel(oi[ox*c:], in[bi+ix*c:], f[kx0*c:], bias, c, rows, kx1-kx0, rowStride, lo, hi)
				}
			}
		}
		oy += m
	}
}

// dwScratch holds the dense input copies of DepthwiseConv2D3x3RowsPix.
var dwScratch freeList[dwBuf]

type dwBuf struct{ buf []float32 }
