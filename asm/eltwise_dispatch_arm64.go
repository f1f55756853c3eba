//go:build gc && !purego && !noasm

package asm

func init() {
	addClampImpl[NEON] = addClampNEON
	clampImpl[NEON] = clampNEON
}
