package asm

// Depthwise 3x3 convolution primitives over NHWC float32 data (channels
// innermost). kernels.DepthwiseConv2D3x3 works out the padding geometry and
// calls Depthwise3x3Rows for bands of output rows with the same vertical
// taps, and Depthwise3x3Pixel for the border pixels of inputs narrower than
// the window.

// Per-level implementations. Every level starts at the generic code (package
// variables are initialised before any init function runs); the init
// functions of depthwise_dispatch_amd64.go and depthwise_dispatch_arm64.go
// replace the levels they implement.
var (
	depthwise3x3RowsImpl  = dwTable(depthwise3x3RowsGeneric)
	depthwise3x3PixelImpl = dwTable(depthwise3x3PixelGeneric)
	// depthwisePadImpl returns the input pixel stride a level's row
	// kernels want for c channels (DepthwisePixelStride).
	depthwisePadImpl = dwTable(func(c int) int { return c })
)

// dwTable returns a table with f at every level.
func dwTable[F any](f F) (t [numLevels]F) {
	for l := range t {
		t[l] = f
	}
	return t
}

// Depthwise3x3Rows computes m output rows of a 3x3 depthwise convolution
// with c channels (NHWC: input pixels inPix >= c elements apart, output
// pixels and filter taps c apart) and stride 1 or 2, whose
// vertical taps are kernel rows [0, rows) of filter (rows 1..3; the caller
// offsets filter to its first used row, filter rows are 3*c apart). Each
// output row has n interior pixels with all three horizontal taps, preceded
// when padL by a left border pixel whose taps are kernel columns 1 and 2
// and followed when padR by a right border pixel with columns 0 and 1 (the
// third tap is padding). in points at the first used tap of the row's first
// pixel; input rows are inRow elements apart and output row i reads from
// input row i*stride; output rows are outRow elements apart. An empty bias
// means zero; results are clamped to [lo, hi] (NaN propagates):
//
//	for i := 0; i < m; i++ {
//		x := i*stride*inRow           // first input column of the row
//		if padL {                     // taps 1, 2 at input columns 0, 1
//			out[i*outRow+ch] = clamp(bias[ch] + Σ_r Σ_{k=1,2} in[x+r*inRow+(k-1)*inPix+ch]*filter[(3r+k)*c+ch])
//			x += (stride-1)*inPix   // the next pixel's first tap
//		}
//		for j := 0; j < n; j++ {     // taps 0, 1, 2
//			out[i*outRow+(pL+j)*c+ch] = clamp(bias[ch] + Σ_r Σ_k in[x+r*inRow+(j*stride+k)*inPix+ch]*filter[(3r+k)*c+ch])
//		}
//		if padR {                     // taps 0, 1
//			out[i*outRow+(pL+n)*c+ch] = clamp(bias[ch] + Σ_r Σ_{k=0,1} in[x+r*inRow+(n*stride+k)*inPix+ch]*filter[(3r+k)*c+ch])
//		}
//	}
//
// with pL = 1 if padL, sums taken in order of r then k, and clamp(s) =
// min(max(s, lo), hi). The vector levels fuse each multiply-add and walk the
// channels outermost, one vector of channels over all m rows at a time, so
// that the input rows a vector of channels needs stay in L1. It panics if a
// slice is too short for these indices or an argument is out of range; see
// depthwise_generic.go. DepthwisePixelStride gives the input pixel stride
// the level's kernels run fastest at.
func Depthwise3x3Rows(out, in, filter, bias []float32, c, inPix, stride, rows, m, inRow, outRow, n int, padL, padR bool, lo, hi float32) {
	pL, pR := b2i(padL), b2i(padR)
	npix := pL + n + pR
	if m <= 0 || c <= 0 || npix == 0 {
		return
	}
	if stride < 1 || stride > 2 || rows < 1 || rows > 3 || n < 0 || inPix < c || inRow < 0 || outRow < npix*c {
		panic("asm: Depthwise3x3Rows: bad stride, rows, n, pixel or row strides")
	}
	// Input columns of one row: the left pixel's two, then stride per
	// pixel and the last pixel's full window.
	cols := 0
	if npix > pL {
		cols = pL*(stride-1) + (n+pR-1)*stride + 3 - pR
	}
	cols = max(cols, 2*pL)
	nin := ((m-1)*stride+rows-1)*inRow + (cols-1)*inPix + c
	nout := (m-1)*outRow + npix*c
	if len(out) < nout || len(in) < nin || len(filter) < 3*rows*c || (len(bias) != 0 && len(bias) < c) {
		panic("asm: Depthwise3x3Rows: slice too short")
	}
	raceRead(in[:nin])
	raceRead(filter[:3*rows*c])
	if len(bias) != 0 {
		raceRead(bias[:c])
	}
	raceWrite(out[:nout])
	depthwise3x3RowsImpl[ISA()](out, in, filter, bias, c, inPix, stride, rows, m, inRow, outRow, n, pL, pR, lo, hi)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
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

// depthwiseSkips returns, in bytes, how far the row kernels move their
// input and output pointers from the end of one row's pixels to the start
// of the next (see Depthwise3x3Rows for the walk).
func depthwiseSkips(c, inPix, stride, inRow, outRow, n, pL, pR int) (in, out int) {
	in = 4 * (stride*inRow - ((stride-1)*pL+n*stride)*inPix)
	out = 4 * (outRow - (pL+n+pR)*c)
	return in, out
}

// DepthwisePixelStride returns the input pixel stride, in elements, at
// which the current level's Depthwise3x3Rows kernels read an input of c
// channels fastest: c, or more where the pixels of c channels would be a
// multiple of 1 KiB apart. Then the input lines one vector of channels
// needs (three rows of a run of pixels) fall into a few L1 sets and evict
// each other, and a caller does better to copy the input at this stride
// first (AVX-512 on Zen 4: 14x14x512 45 -> 105 GFLOP/s, 7x7x1024 30 -> 100).
func DepthwisePixelStride(c int) int { return depthwisePadImpl[ISA()](c) }
