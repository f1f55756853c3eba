//go:build gc && !purego && !noasm

package asm

import "unsafe"

// winogradInputArch runs the vector version of WinogradInput for level l
// and reports whether there is one: the kernels take whole vectors of
// channels.
func winogradInputArch(l Level, v []float32, ldv int, in []float32, ldi, c, n int) bool {
	switch {
	case l == AVX512 && c%16 == 0:
		winogradInputAVX512(unsafe.SliceData(v), ldv, unsafe.SliceData(in), ldi, c, n)
	case (l == AVX512 || l == AVX2) && c%8 == 0:
		winogradInputAVX2(unsafe.SliceData(v), ldv, unsafe.SliceData(in), ldi, c, n)
	default:
		return false
	}
	return true
}

// winogradOutputArch runs the vector version of WinogradOutput for level l
// and reports whether there is one: the kernels take whole vectors of
// channels.
func winogradOutputArch(l Level, out []float32, ldo int, m []float32, ldm, c, cols, rows int, bias, res []float32, ldr int, lo, hi float32) bool {
	switch {
	case l == AVX512 && c%16 == 0:
		winogradOutputAVX512(unsafe.SliceData(out), ldo, unsafe.SliceData(m), ldm, c, cols, rows, unsafe.SliceData(bias), unsafe.SliceData(res), ldr, lo, hi)
	case (l == AVX512 || l == AVX2) && c%8 == 0:
		winogradOutputAVX2(unsafe.SliceData(out), ldo, unsafe.SliceData(m), ldm, c, cols, rows, unsafe.SliceData(bias), unsafe.SliceData(res), ldr, lo, hi)
	default:
		return false
	}
	return true
}
