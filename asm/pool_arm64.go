//go:build gc && !purego && !noasm

package asm

// maxPoolRowNEON is the NEON version of MaxPoolRow; see pool_generic.go.
// stepBytes is the input distance between output pixels, rowBytes between
// rows, in bytes; it requires c >= 4, n, cols, rows >= 1 and slices long
// enough.
//
//go:noescape
func maxPoolRowNEON(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int)

// avgPoolRowNEON is the NEON version of AvgPoolRow, with
// maxPoolRowNEON's arguments; it matches the reference exactly.
//
//go:noescape
func avgPoolRowNEON(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int, scale float32)
