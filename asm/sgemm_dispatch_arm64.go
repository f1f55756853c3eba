//go:build gc && !purego && !noasm

package asm

func init() {
	sgemmKernelImpl[NEON] = []SgemmKernel{
		{MR: 8, NR: 12, Strided: false, Name: "neon_8x12", Level: NEON, fn: sgemmKernelNEON_8x12},
	}
}
