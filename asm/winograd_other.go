//go:build !gc || purego || noasm || !(amd64 || arm64)

package asm

// winogradInputArch runs a vector version of WinogradInput for level l and
// reports whether there is one; this build has none.
func winogradInputArch(l Level, v []float32, ldv int, in []float32, ldi, c, n int) bool {
	return false
}

// winogradOutputArch runs a vector version of WinogradOutput for level l
// and reports whether there is one; this build has none.
func winogradOutputArch(l Level, out []float32, ldo int, m []float32, ldm, c, cols, rows int, bias, res []float32, ldr int, lo, hi float32) bool {
	return false
}
