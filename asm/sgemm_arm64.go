//go:build gc && !purego && !noasm

package asm

// sgemmKernelNEON_8x12 is the 8 x 12 NEON micro-kernel: SgemmKernel.Run
// (sgemm.go) with MR = 8, NR = 12, k >= 1, A packed (rsa = 1, csa = 8) and B
// packed (ldb = 12); rsa, csa and ldb are not read; full tiles only (mt and
// nt are not read). Multiply-adds are fused.
// It must match sgemmKernelGeneric (sgemm_generic.go) up to rounding.
//
//go:noescape
func sgemmKernelNEON_8x12(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32, bias, res *float32, ldres int, lo, hi float32, clamp bool, mt, nt int)
