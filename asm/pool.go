package asm

// Pooling row primitives over NHWC float32 data; kernels.MaxPool and
// kernels.AvgPool work out the windows and call them once per output row
// interior and once per clipped border pixel.

var (
	maxPoolRowImpl = dwTable(maxPoolRowGeneric)
	avgPoolRowImpl = dwTable(avgPoolRowGeneric)
)

// checkPoolRow panics unless the slices hold what a pooling row reads and
// writes, and returns the lengths used.
func checkPoolRow(fn string, out, in []float32, c, n, cols, stride, rows, rowStride int) (nin, nout int) {
	if cols < 1 || stride < 1 || rows < 1 || rowStride < 0 {
		panic("asm: " + fn + ": bad cols, stride, rows or rowStride")
	}
	nin = (rows-1)*rowStride + ((n-1)*stride+cols)*c
	nout = n * c
	if len(out) < nout || len(in) < nin {
		panic("asm: " + fn + ": slice too short")
	}
	return nin, nout
}

// MaxPoolRow computes n output pixels of max pooling with c channels over
// windows of rows x cols taps; output pixel j's window starts stride pixels
// after pixel j-1's, input rows are rowStride elements apart. A NaN in a
// window gives NaN:
//
//	for j := 0; j < n; j++ {
//		for ch := 0; ch < c; ch++ {
//			m := -Inf
//			for r := 0; r < rows; r++ {
//				for k := 0; k < cols; k++ {
//					m = max(m, in[r*rowStride+(j*stride+k)*c+ch])
//				}
//			}
//			out[j*c+ch] = m
//		}
//	}
//
// It panics if a slice is too short or an argument out of range; see
// pool_generic.go.
func MaxPoolRow(out, in []float32, c, n, cols, stride, rows, rowStride int) {
	if n <= 0 || c <= 0 {
		return
	}
	nin, nout := checkPoolRow("MaxPoolRow", out, in, c, n, cols, stride, rows, rowStride)
	raceRead(in[:nin])
	raceWrite(out[:nout])
	maxPoolRowImpl[ISA()](out, in, c, n, cols, stride, rows, rowStride)
}

// AvgPoolRow is MaxPoolRow with the sum of the taps (added in the order of
// r, then k) times scale in place of their maximum.
func AvgPoolRow(out, in []float32, c, n, cols, stride, rows, rowStride int, scale float32) {
	if n <= 0 || c <= 0 {
		return
	}
	nin, nout := checkPoolRow("AvgPoolRow", out, in, c, n, cols, stride, rows, rowStride)
	raceRead(in[:nin])
	raceWrite(out[:nout])
	avgPoolRowImpl[ISA()](out, in, c, n, cols, stride, rows, rowStride, scale)
}
