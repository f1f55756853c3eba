//go:build gc && !purego && !noasm

package asm

// depthwise3x3RowsS1NEON is the NEON version of Depthwise3x3Rows for
// stride 1; see depthwise_generic.go. Strides are in bytes: inRowBytes
// between input rows, inRowSkip and outRowSkip from the end of one row's
// pixels to the start of the next. It requires c >= 4, m >= 1, rows in
// 1..3, padL and padR 0 or 1 and slices long enough; it matches the
// reference up to the rounding of the unfused products.
//
//go:noescape
func depthwise3x3RowsS1NEON(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)

// depthwise3x3RowsS2NEON is depthwise3x3RowsS1NEON for stride 2.
//
//go:noescape
func depthwise3x3RowsS2NEON(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)

// depthwise3x3PixelNEON is the NEON version of Depthwise3x3Pixel; see
// depthwise_generic.go. rowBytes is the input row stride in bytes; it
// requires c >= 4, rows and cols in 1..3 and slices long enough.
//
//go:noescape
func depthwise3x3PixelNEON(out, in, filter, bias []float32, c, rows, cols, rowBytes int, lo, hi float32)
