package asm

// Depthwise 3x3 convolution primitives over NHWC float32 data (channels
// innermost). kernels.DepthwiseConv2D3x3 works out the padding geometry and
// calls Depthwise3x3Row for the interior of each output row and
// Depthwise3x3Pixel for the border pixels whose taps fall partly outside the
// input.

// Per-level implementations. Every level starts at the generic code (package
// variables are initialised before any init function runs); the init
// functions of depthwise_dispatch_amd64.go and depthwise_dispatch_arm64.go
// replace the levels they implement.
var (
	depthwise3x3RowImpl   = dwTable(depthwise3x3RowGeneric)
	depthwise3x3PixelImpl = dwTable(depthwise3x3PixelGeneric)
)

// dwTable returns a table with f at every level.
func dwTable[F any](f F) (t [numLevels]F) {
	for l := range t {
		t[l] = f
	}
	return t
}

// Depthwise3x3Row computes n consecutive output pixels of one output row of
// a 3x3 depthwise convolution with c channels, stride 1 or 2, whose taps are
// kernel rows [0, rows) of filter (rows 1..3) and all three kernel columns.
// in points at the first tap of the first output pixel; input rows are
// rowStride elements apart, filter rows 3*c. An empty bias means zero; the
// result is clamped to [lo, hi] (NaN propagates):
//
//	for j := 0; j < n; j++ {
//		for ch := 0; ch < c; ch++ {
//			s := bias[ch]
//			for r := 0; r < rows; r++ {
//				for k := 0; k < 3; k++ {
//					s += in[r*rowStride+(j*stride+k)*c+ch] * filter[(3*r+k)*c+ch]
//				}
//			}
//			out[j*c+ch] = min(max(s, lo), hi)
//		}
//	}
//
// The vector levels fuse each multiply-add. It panics if a slice is too short
// for these indices or an argument is out of range; see depthwise_generic.go.
func Depthwise3x3Row(out, in, filter, bias []float32, c, n, stride, rows, rowStride int, lo, hi float32) {
	if n <= 0 || c <= 0 {
		return
	}
	if stride < 1 || stride > 2 || rows < 1 || rows > 3 || rowStride < 0 {
		panic("asm: Depthwise3x3Row: bad stride, rows or rowStride")
	}
	nin := (rows-1)*rowStride + ((n-1)*stride+3)*c
	if len(out) < n*c || len(in) < nin || len(filter) < 3*rows*c || (len(bias) != 0 && len(bias) < c) {
		panic("asm: Depthwise3x3Row: slice too short")
	}
	raceRead(in[:nin])
	raceRead(filter[:3*rows*c])
	if len(bias) != 0 {
		raceRead(bias[:c])
	}
	raceWrite(out[:n*c])
	depthwise3x3RowImpl[ISA()](out, in, filter, bias, c, n, stride, rows, rowStride, lo, hi)
}

// Depthwise3x3Pixel computes one output pixel of a 3x3 depthwise convolution
// with c channels from a rows x cols block of taps (1..3 each): in points at
// the first tap, input rows are rowStride elements apart, filter at the tap
// matching it (filter rows are 3*c apart). An empty bias means zero; the
// result is clamped to [lo, hi] (NaN propagates):
//
//	for ch := 0; ch < c; ch++ {
//		s := bias[ch]
//		for r := 0; r < rows; r++ {
//			for k := 0; k < cols; k++ {
//				s += in[r*rowStride+k*c+ch] * filter[(3*r+k)*c+ch]
//			}
//		}
//		out[ch] = min(max(s, lo), hi)
//	}
//
// It panics if a slice is too short or an argument is out of range; see
// depthwise_generic.go.
func Depthwise3x3Pixel(out, in, filter, bias []float32, c, rows, cols, rowStride int, lo, hi float32) {
	if c <= 0 {
		return
	}
	if rows < 1 || rows > 3 || cols < 1 || cols > 3 || rowStride < 0 {
		panic("asm: Depthwise3x3Pixel: bad rows, cols or rowStride")
	}
	nin := (rows-1)*rowStride + cols*c
	nf := (rows-1)*3*c + cols*c
	if len(out) < c || len(in) < nin || len(filter) < nf || (len(bias) != 0 && len(bias) < c) {
		panic("asm: Depthwise3x3Pixel: slice too short")
	}
	raceRead(in[:nin])
	raceRead(filter[:nf])
	if len(bias) != 0 {
		raceRead(bias[:c])
	}
	raceWrite(out[:c])
	depthwise3x3PixelImpl[ISA()](out, in, filter, bias, c, rows, cols, rowStride, lo, hi)
}
