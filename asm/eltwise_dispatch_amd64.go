//go:build gc && !purego && !noasm

package asm

func init() {
	addClampImpl[AVX2], addClampImpl[AVX512] = addClampAVX2, addClampAVX512
	clampImpl[AVX2], clampImpl[AVX512] = clampAVX2, clampAVX512
}
