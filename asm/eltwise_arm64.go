//go:build gc && !purego && !noasm

package asm

// addClampNEON is the NEON version of AddClamp; see eltwise_generic.go.
// It requires len(b), len(out) >= len(a) and matches the reference exactly.
//
//go:noescape
func addClampNEON(out, a, b []float32, lo, hi float32)

// clampNEON is the NEON version of Clamp; see eltwise_generic.go. It
// requires len(out) >= len(in) and matches the reference exactly.
//
//go:noescape
func clampNEON(out, in []float32, lo, hi float32)
