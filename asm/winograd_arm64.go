//go:build gc && !purego && !noasm

package asm

// winogradInputNEON is the NEON version of WinogradInput; see
// winograd_generic.go. It requires n >= 1 and c a positive multiple of 4;
// strides are in elements.
//
//go:noescape
func winogradInputNEON(v *float32, ldv int, in *float32, ldi int, c int, n int)

// winogradOutputNEON is the NEON version of WinogradOutput; see
// winograd_generic.go. It requires cols >= 1, rows 1 or 2 and c a positive
// multiple of 4; res may be nil; strides are in elements.
//
//go:noescape
func winogradOutputNEON(out *float32, ldo int, m *float32, ldm int, c int, cols int, rows int, bias *float32, res *float32, ldr int, lo float32, hi float32)
