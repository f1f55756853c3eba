package kernels

import (
	"math"

	"github.com/facecluster/facecluster/asm"
)

// RGB is an 8-bit RGB image with 3 interleaved bytes per pixel: channel ch
// of pixel (x, y) is Pix[y*Stride+3*x+ch].
type RGB struct {
	Pix           []byte
	Width, Height int
	Stride        int // bytes from one row to the next, >= 3*Width
}

// check panics unless m is a valid, non-empty image.
func (m RGB) check() {
	if m.Width < 1 || m.Height < 1 {
		panic("kernels: empty source image")
	}
	if m.Stride < 3*m.Width {
		panic("kernels: source stride < 3*width")
	}
	if len(m.Pix) < (m.Height-1)*m.Stride+3*m.Width {
		panic("kernels: source pixels shorter than the image")
	}
}

// PixelNorm is the per-channel affine normalisation fused into
// ResizeBilinear and WarpAffine: output channel ch is
// value*Scale[ch] + Bias[ch], where value is the interpolated 8-bit sample
// (0..255). Output channels are R, G, B, or B, G, R when BGR is set; Scale
// and Bias are indexed in output order. The zero PixelNorm maps everything
// to 0: use NewPixelNorm or set Scale.
type PixelNorm struct {
	Scale, Bias [3]float32
	BGR         bool
}

// NewPixelNorm returns the normalisation (value - mean[ch]) / std[ch], in
// output channel order.
func NewPixelNorm(mean, std [3]float32, bgr bool) PixelNorm {
	var n PixelNorm
	for i := range 3 {
		n.Scale[i] = 1 / std[i]
		n.Bias[i] = -mean[i] / std[i]
	}
	n.BGR = bgr
	return n
}

// perm returns the scale and bias indexed by source channel (R, G, B) and
// the output position of each source channel.
func (n PixelNorm) perm() (scale, bias [3]float32, pos [3]int) {
	pos = [3]int{0, 1, 2}
	if n.BGR {
		pos = [3]int{2, 1, 0}
	}
	for s := range 3 {
		scale[s] = n.Scale[pos[s]]
		bias[s] = n.Bias[pos[s]]
	}
	return scale, bias, pos
}

// checkOut validates an output tensor [outH, outW, 3].
func checkOut(out []float32, outH, outW int) {
	if outH < 0 || outW < 0 {
		panic("kernels: negative output size")
	}
	if len(out) < outH*outW*3 {
		panic("kernels: output shorter than outH*outW*3")
	}
}

// ResizeBilinear resizes src to out [outH, outW, 3] (float32, NHWC) by
// bilinear interpolation with half-pixel centres (TensorFlow's and TF.js's
// resizeBilinear with alignCorners=false, halfPixelCenters=true): output
// pixel (x, y) samples the source at ((x+0.5)*W/outW-0.5,
// (y+0.5)*H/outH-0.5), clamped to the image, interpolating horizontally
// then vertically in float32 as TensorFlow does (the vector levels fuse
// the multiply-adds). norm is then applied per channel. It panics on an
// invalid source, negative output sizes or a short out. It allocates
// nothing.
func ResizeBilinear(out []float32, outH, outW int, src RGB, norm PixelNorm) {
	src.check()
	checkOut(out, outH, outW)
	scale, bias, pos := norm.perm()
	sy := float32(src.Height) / float32(outH)
	sx := float32(src.Width) / float32(outW)
	// Columns in chunks whose tables live on the stack: byte offset of the
	// left tap, distance to the right tap, and the right tap's weight; the
	// interpolated row lands channel-planar in sums.
	const chunk = 256
	var xoff, xd [chunk]int32
	var xf [chunk]float32
	var sums [3][chunk]float32
	for x0 := 0; x0 < outW; x0 += chunk {
		nx := min(chunk, outW-x0)
		for i := range nx {
			lo, hi, f := halfPixel(x0+i, sx, src.Width)
			xoff[i], xd[i], xf[i] = int32(3*lo), int32(3*(hi-lo)), f
		}
		for y := 0; y < outH; y++ {
			y0, y1, fy := halfPixel(y, sy, src.Height)
			asm.ResizeRow(sums[0][:nx], sums[1][:nx], sums[2][:nx], src.Pix[y0*src.Stride:], src.Pix[y1*src.Stride:],
				xoff[:nx], xd[:nx], xf[:nx], fy)
			o := out[(y*outW+x0)*3:][:3*nx]
			for ch := range 3 {
				sc, bi, p := scale[ch], bias[ch], pos[ch]
				for i, v := range sums[ch][:nx] {
					o[3*i+p] = v*sc + bi
				}
			}
		}
	}
}

// halfPixel returns the two source indices and the weight of the second for
// output index i under scale s (TensorFlow's HalfPixelScaler and
// compute_interpolation_weights).
func halfPixel(i int, s float32, n int) (lo, hi int, frac float32) {
	in := (float32(i)+0.5)*s - 0.5
	f := float32(math.Floor(float64(in)))
	lo = max(int(f), 0)
	hi = min(int(math.Ceil(float64(in))), n-1)
	return lo, hi, in - f
}
