//go:build gc && !purego && !noasm

package asm

import "unsafe"

// winogradInputArch runs the NEON version of WinogradInput for level NEON
// and reports whether it did: the kernel takes whole vectors of 4
// channels, so other channel counts take the generic code.
func winogradInputArch(l Level, v []float32, ldv int, in []float32, ldi, c, n int) bool {
	if l != NEON || c%4 != 0 {
		return false
	}
	winogradInputNEON(unsafe.SliceData(v), ldv, unsafe.SliceData(in), ldi, c, n)
	return true
}

// winogradOutputArch runs the NEON version of WinogradOutput for level
// NEON and reports whether it did: the kernel takes whole vectors of 4
// channels, so other channel counts take the generic code.
func winogradOutputArch(l Level, out []float32, ldo int, m []float32, ldm, c, cols, rows int, bias, res []float32, ldr int, lo, hi float32) bool {
	if l != NEON || c%4 != 0 {
		return false
	}
	winogradOutputNEON(unsafe.SliceData(out), ldo, unsafe.SliceData(m), ldm, c, cols, rows, unsafe.SliceData(bias), unsafe.SliceData(res), ldr, lo, hi)
	return true
}
