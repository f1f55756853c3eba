//go:build gc && !purego && !noasm

#include "textflag.h"

// The NEON SGEMM micro-kernel: an 8 x 12 tile of C in V8..V31 (row i, columns
// 4j..4j+3 in V(8+3i+j)), B rows in V0..V2, eight values of A in V3, V4.
// A must be packed (rsa = 1, csa = 8) and B packed (ldb = 12); see
// SgemmKernel.Run in sgemm.go and sgemmKernelGeneric in sgemm_generic.go.

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31), i a lane index (0-3).

// FMLA Vd.4S, Vn.4S, Vm.S[i]: d += n * m[i]
#define FMLA_ELEM(d, n, m, i) WORD $(0x4F801000 | ((i)&1)<<21 | (m)<<16 | ((i)>>1)<<11 | (n)<<5 | (d))
// FADD Vd.4S, Vn.4S, Vm.4S
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))
// FMAX Vd.4S, Vn.4S, Vm.4S (NaN if either is NaN)
#define FMAX_4S(d, n, m) WORD $(0x4E20F400 | (m)<<16 | (n)<<5 | (d))
// FMIN Vd.4S, Vn.4S, Vm.4S (NaN if either is NaN)
#define FMIN_4S(d, n, m) WORD $(0x4EA0F400 | (m)<<16 | (n)<<5 | (d))

#define kc R0   // k steps left
#define ap R1   // &a[p*8]
#define bp R2   // &b[p*12]
#define cp R3   // &c[i*ldc]
#define ldcb R4 // ldc in bytes
#define tp R5   // bias or residual row pointer
#define ldrb R6 // ldres in bytes
#define tmp R7

// func sgemmKernelNEON_8x12(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32, bias, res *float32, ldres int, lo, hi float32, clamp bool, mt, nt int)
TEXT ·sgemmKernelNEON_8x12(SB), NOSPLIT, $0-128
	MOVD k+0(FP), kc
	MOVD a+8(FP), ap
	MOVD b+32(FP), bp
	MOVD c+48(FP), cp
	MOVD ldc+56(FP), ldcb
	LSL  $2, ldcb

	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

loop:
	VLD1.P 48(bp), [V0.S4, V1.S4, V2.S4] // b[p*12:][:12]
	VLD1.P 32(ap), [V3.S4, V4.S4]        // a[p*8:][:8]
	FMLA_ELEM(8, 0, 3, 0) // FMLA V8.4S, V0.4S, V3.S[0]: c[0][0:4] += b[p][0:4] * a[0][p]
	FMLA_ELEM(9, 1, 3, 0) // FMLA V9.4S, V1.4S, V3.S[0]: c[0][4:8] += b[p][4:8] * a[0][p]
	FMLA_ELEM(10, 2, 3, 0) // FMLA V10.4S, V2.4S, V3.S[0]: c[0][8:12] += b[p][8:12] * a[0][p]
	FMLA_ELEM(11, 0, 3, 1) // FMLA V11.4S, V0.4S, V3.S[1]: c[1][0:4] += b[p][0:4] * a[1][p]
	FMLA_ELEM(12, 1, 3, 1) // FMLA V12.4S, V1.4S, V3.S[1]: c[1][4:8] += b[p][4:8] * a[1][p]
	FMLA_ELEM(13, 2, 3, 1) // FMLA V13.4S, V2.4S, V3.S[1]: c[1][8:12] += b[p][8:12] * a[1][p]
	FMLA_ELEM(14, 0, 3, 2) // FMLA V14.4S, V0.4S, V3.S[2]: c[2][0:4] += b[p][0:4] * a[2][p]
	FMLA_ELEM(15, 1, 3, 2) // FMLA V15.4S, V1.4S, V3.S[2]: c[2][4:8] += b[p][4:8] * a[2][p]
	FMLA_ELEM(16, 2, 3, 2) // FMLA V16.4S, V2.4S, V3.S[2]: c[2][8:12] += b[p][8:12] * a[2][p]
	FMLA_ELEM(17, 0, 3, 3) // FMLA V17.4S, V0.4S, V3.S[3]: c[3][0:4] += b[p][0:4] * a[3][p]
	FMLA_ELEM(18, 1, 3, 3) // FMLA V18.4S, V1.4S, V3.S[3]: c[3][4:8] += b[p][4:8] * a[3][p]
	FMLA_ELEM(19, 2, 3, 3) // FMLA V19.4S, V2.4S, V3.S[3]: c[3][8:12] += b[p][8:12] * a[3][p]
	FMLA_ELEM(20, 0, 4, 0) // FMLA V20.4S, V0.4S, V4.S[0]: c[4][0:4] += b[p][0:4] * a[4][p]
	FMLA_ELEM(21, 1, 4, 0) // FMLA V21.4S, V1.4S, V4.S[0]: c[4][4:8] += b[p][4:8] * a[4][p]
	FMLA_ELEM(22, 2, 4, 0) // FMLA V22.4S, V2.4S, V4.S[0]: c[4][8:12] += b[p][8:12] * a[4][p]
	FMLA_ELEM(23, 0, 4, 1) // FMLA V23.4S, V0.4S, V4.S[1]: c[5][0:4] += b[p][0:4] * a[5][p]
	FMLA_ELEM(24, 1, 4, 1) // FMLA V24.4S, V1.4S, V4.S[1]: c[5][4:8] += b[p][4:8] * a[5][p]
	FMLA_ELEM(25, 2, 4, 1) // FMLA V25.4S, V2.4S, V4.S[1]: c[5][8:12] += b[p][8:12] * a[5][p]
	FMLA_ELEM(26, 0, 4, 2) // FMLA V26.4S, V0.4S, V4.S[2]: c[6][0:4] += b[p][0:4] * a[6][p]
	FMLA_ELEM(27, 1, 4, 2) // FMLA V27.4S, V1.4S, V4.S[2]: c[6][4:8] += b[p][4:8] * a[6][p]
	FMLA_ELEM(28, 2, 4, 2) // FMLA V28.4S, V2.4S, V4.S[2]: c[6][8:12] += b[p][8:12] * a[6][p]
	FMLA_ELEM(29, 0, 4, 3) // FMLA V29.4S, V0.4S, V4.S[3]: c[7][0:4] += b[p][0:4] * a[7][p]
	FMLA_ELEM(30, 1, 4, 3) // FMLA V30.4S, V1.4S, V4.S[3]: c[7][4:8] += b[p][4:8] * a[7][p]
	FMLA_ELEM(31, 2, 4, 3) // FMLA V31.4S, V2.4S, V4.S[3]: c[7][8:12] += b[p][8:12] * a[7][p]
	SUBS $1, kc
	BNE  loop

	// beta != 0 (as bits, ignoring the sign): acc += beta * C
	MOVWU beta+64(FP), tmp
	ANDW  $0x7fffffff, tmp
	CBZW  tmp, bias
	FMOVS beta+64(FP), F5
	VDUP  V5.S[0], V5.S4
	MOVD  cp, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[0][:12]
	VFMLA  V5.S4, V0.S4, V8.S4      // acc[0][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V9.S4      // acc[0][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V10.S4      // acc[0][8:] += beta * c
	ADD    ldcb, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[1][:12]
	VFMLA  V5.S4, V0.S4, V11.S4      // acc[1][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V12.S4      // acc[1][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V13.S4      // acc[1][8:] += beta * c
	ADD    ldcb, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[2][:12]
	VFMLA  V5.S4, V0.S4, V14.S4      // acc[2][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V15.S4      // acc[2][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V16.S4      // acc[2][8:] += beta * c
	ADD    ldcb, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[3][:12]
	VFMLA  V5.S4, V0.S4, V17.S4      // acc[3][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V18.S4      // acc[3][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V19.S4      // acc[3][8:] += beta * c
	ADD    ldcb, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[4][:12]
	VFMLA  V5.S4, V0.S4, V20.S4      // acc[4][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V21.S4      // acc[4][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V22.S4      // acc[4][8:] += beta * c
	ADD    ldcb, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[5][:12]
	VFMLA  V5.S4, V0.S4, V23.S4      // acc[5][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V24.S4      // acc[5][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V25.S4      // acc[5][8:] += beta * c
	ADD    ldcb, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[6][:12]
	VFMLA  V5.S4, V0.S4, V26.S4      // acc[6][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V27.S4      // acc[6][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V28.S4      // acc[6][8:] += beta * c
	ADD    ldcb, tp
	VLD1   (tp), [V0.S4, V1.S4, V2.S4] // c[7][:12]
	VFMLA  V5.S4, V0.S4, V29.S4      // acc[7][0:] += beta * c
	VFMLA  V5.S4, V1.S4, V30.S4      // acc[7][4:] += beta * c
	VFMLA  V5.S4, V2.S4, V31.S4      // acc[7][8:] += beta * c

bias:
	// bias != nil: acc[i][:] += bias[:12]
	MOVD bias+72(FP), tp
	CBZ  tp, residual
	VLD1 (tp), [V0.S4, V1.S4, V2.S4]
	FADD_4S(8, 8, 0) // FADD V8.4S, V8.4S, V0.4S
	FADD_4S(9, 9, 1) // FADD V9.4S, V9.4S, V1.4S
	FADD_4S(10, 10, 2) // FADD V10.4S, V10.4S, V2.4S
	FADD_4S(11, 11, 0) // FADD V11.4S, V11.4S, V0.4S
	FADD_4S(12, 12, 1) // FADD V12.4S, V12.4S, V1.4S
	FADD_4S(13, 13, 2) // FADD V13.4S, V13.4S, V2.4S
	FADD_4S(14, 14, 0) // FADD V14.4S, V14.4S, V0.4S
	FADD_4S(15, 15, 1) // FADD V15.4S, V15.4S, V1.4S
	FADD_4S(16, 16, 2) // FADD V16.4S, V16.4S, V2.4S
	FADD_4S(17, 17, 0) // FADD V17.4S, V17.4S, V0.4S
	FADD_4S(18, 18, 1) // FADD V18.4S, V18.4S, V1.4S
	FADD_4S(19, 19, 2) // FADD V19.4S, V19.4S, V2.4S
	FADD_4S(20, 20, 0) // FADD V20.4S, V20.4S, V0.4S
	FADD_4S(21, 21, 1) // FADD V21.4S, V21.4S, V1.4S
	FADD_4S(22, 22, 2) // FADD V22.4S, V22.4S, V2.4S
	FADD_4S(23, 23, 0) // FADD V23.4S, V23.4S, V0.4S
	FADD_4S(24, 24, 1) // FADD V24.4S, V24.4S, V1.4S
	FADD_4S(25, 25, 2) // FADD V25.4S, V25.4S, V2.4S
	FADD_4S(26, 26, 0) // FADD V26.4S, V26.4S, V0.4S
	FADD_4S(27, 27, 1) // FADD V27.4S, V27.4S, V1.4S
	FADD_4S(28, 28, 2) // FADD V28.4S, V28.4S, V2.4S
	FADD_4S(29, 29, 0) // FADD V29.4S, V29.4S, V0.4S
	FADD_4S(30, 30, 1) // FADD V30.4S, V30.4S, V1.4S
	FADD_4S(31, 31, 2) // FADD V31.4S, V31.4S, V2.4S

residual:
	// res != nil: acc[i][:] += res[i*ldres:][:12]
	MOVD res+80(FP), tp
	CBZ  tp, clamp
	MOVD ldres+88(FP), ldrb
	LSL  $2, ldrb
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[0][:12]
	FADD_4S(8, 8, 0) // FADD V8.4S, V8.4S, V0.4S
	FADD_4S(9, 9, 1) // FADD V9.4S, V9.4S, V1.4S
	FADD_4S(10, 10, 2) // FADD V10.4S, V10.4S, V2.4S
	ADD  ldrb, tp
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[1][:12]
	FADD_4S(11, 11, 0) // FADD V11.4S, V11.4S, V0.4S
	FADD_4S(12, 12, 1) // FADD V12.4S, V12.4S, V1.4S
	FADD_4S(13, 13, 2) // FADD V13.4S, V13.4S, V2.4S
	ADD  ldrb, tp
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[2][:12]
	FADD_4S(14, 14, 0) // FADD V14.4S, V14.4S, V0.4S
	FADD_4S(15, 15, 1) // FADD V15.4S, V15.4S, V1.4S
	FADD_4S(16, 16, 2) // FADD V16.4S, V16.4S, V2.4S
	ADD  ldrb, tp
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[3][:12]
	FADD_4S(17, 17, 0) // FADD V17.4S, V17.4S, V0.4S
	FADD_4S(18, 18, 1) // FADD V18.4S, V18.4S, V1.4S
	FADD_4S(19, 19, 2) // FADD V19.4S, V19.4S, V2.4S
	ADD  ldrb, tp
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[4][:12]
	FADD_4S(20, 20, 0) // FADD V20.4S, V20.4S, V0.4S
	FADD_4S(21, 21, 1) // FADD V21.4S, V21.4S, V1.4S
	FADD_4S(22, 22, 2) // FADD V22.4S, V22.4S, V2.4S
	ADD  ldrb, tp
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[5][:12]
	FADD_4S(23, 23, 0) // FADD V23.4S, V23.4S, V0.4S
	FADD_4S(24, 24, 1) // FADD V24.4S, V24.4S, V1.4S
	FADD_4S(25, 25, 2) // FADD V25.4S, V25.4S, V2.4S
	ADD  ldrb, tp
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[6][:12]
	FADD_4S(26, 26, 0) // FADD V26.4S, V26.4S, V0.4S
	FADD_4S(27, 27, 1) // FADD V27.4S, V27.4S, V1.4S
	FADD_4S(28, 28, 2) // FADD V28.4S, V28.4S, V2.4S
	ADD  ldrb, tp
	VLD1 (tp), [V0.S4, V1.S4, V2.S4] // res[7][:12]
	FADD_4S(29, 29, 0) // FADD V29.4S, V29.4S, V0.4S
	FADD_4S(30, 30, 1) // FADD V30.4S, V30.4S, V1.4S
	FADD_4S(31, 31, 2) // FADD V31.4S, V31.4S, V2.4S

clamp:
	// clamp: acc = min(max(acc, lo), hi)
	MOVBU clamp+104(FP), tmp
	CBZW  tmp, store
	FMOVS lo+96(FP), F6
	FMOVS hi+100(FP), F7
	VDUP  V6.S[0], V6.S4
	VDUP  V7.S[0], V7.S4
	FMAX_4S(8, 8, 6) // FMAX V8.4S, V8.4S, V6.4S
	FMIN_4S(8, 8, 7) // FMIN V8.4S, V8.4S, V7.4S
	FMAX_4S(9, 9, 6) // FMAX V9.4S, V9.4S, V6.4S
	FMIN_4S(9, 9, 7) // FMIN V9.4S, V9.4S, V7.4S
	FMAX_4S(10, 10, 6) // FMAX V10.4S, V10.4S, V6.4S
	FMIN_4S(10, 10, 7) // FMIN V10.4S, V10.4S, V7.4S
	FMAX_4S(11, 11, 6) // FMAX V11.4S, V11.4S, V6.4S
	FMIN_4S(11, 11, 7) // FMIN V11.4S, V11.4S, V7.4S
	FMAX_4S(12, 12, 6) // FMAX V12.4S, V12.4S, V6.4S
	FMIN_4S(12, 12, 7) // FMIN V12.4S, V12.4S, V7.4S
	FMAX_4S(13, 13, 6) // FMAX V13.4S, V13.4S, V6.4S
	FMIN_4S(13, 13, 7) // FMIN V13.4S, V13.4S, V7.4S
	FMAX_4S(14, 14, 6) // FMAX V14.4S, V14.4S, V6.4S
	FMIN_4S(14, 14, 7) // FMIN V14.4S, V14.4S, V7.4S
	FMAX_4S(15, 15, 6) // FMAX V15.4S, V15.4S, V6.4S
	FMIN_4S(15, 15, 7) // FMIN V15.4S, V15.4S, V7.4S
	FMAX_4S(16, 16, 6) // FMAX V16.4S, V16.4S, V6.4S
	FMIN_4S(16, 16, 7) // FMIN V16.4S, V16.4S, V7.4S
	FMAX_4S(17, 17, 6) // FMAX V17.4S, V17.4S, V6.4S
	FMIN_4S(17, 17, 7) // FMIN V17.4S, V17.4S, V7.4S
	FMAX_4S(18, 18, 6) // FMAX V18.4S, V18.4S, V6.4S
	FMIN_4S(18, 18, 7) // FMIN V18.4S, V18.4S, V7.4S
	FMAX_4S(19, 19, 6) // FMAX V19.4S, V19.4S, V6.4S
	FMIN_4S(19, 19, 7) // FMIN V19.4S, V19.4S, V7.4S
	FMAX_4S(20, 20, 6) // FMAX V20.4S, V20.4S, V6.4S
	FMIN_4S(20, 20, 7) // FMIN V20.4S, V20.4S, V7.4S
	FMAX_4S(21, 21, 6) // FMAX V21.4S, V21.4S, V6.4S
	FMIN_4S(21, 21, 7) // FMIN V21.4S, V21.4S, V7.4S
	FMAX_4S(22, 22, 6) // FMAX V22.4S, V22.4S, V6.4S
	FMIN_4S(22, 22, 7) // FMIN V22.4S, V22.4S, V7.4S
	FMAX_4S(23, 23, 6) // FMAX V23.4S, V23.4S, V6.4S
	FMIN_4S(23, 23, 7) // FMIN V23.4S, V23.4S, V7.4S
	FMAX_4S(24, 24, 6) // FMAX V24.4S, V24.4S, V6.4S
	FMIN_4S(24, 24, 7) // FMIN V24.4S, V24.4S, V7.4S
	FMAX_4S(25, 25, 6) // FMAX V25.4S, V25.4S, V6.4S
	FMIN_4S(25, 25, 7) // FMIN V25.4S, V25.4S, V7.4S
	FMAX_4S(26, 26, 6) // FMAX V26.4S, V26.4S, V6.4S
	FMIN_4S(26, 26, 7) // FMIN V26.4S, V26.4S, V7.4S
	FMAX_4S(27, 27, 6) // FMAX V27.4S, V27.4S, V6.4S
	FMIN_4S(27, 27, 7) // FMIN V27.4S, V27.4S, V7.4S
	FMAX_4S(28, 28, 6) // FMAX V28.4S, V28.4S, V6.4S
	FMIN_4S(28, 28, 7) // FMIN V28.4S, V28.4S, V7.4S
	FMAX_4S(29, 29, 6) // FMAX V29.4S, V29.4S, V6.4S
	FMIN_4S(29, 29, 7) // FMIN V29.4S, V29.4S, V7.4S
	FMAX_4S(30, 30, 6) // FMAX V30.4S, V30.4S, V6.4S
	FMIN_4S(30, 30, 7) // FMIN V30.4S, V30.4S, V7.4S
	FMAX_4S(31, 31, 6) // FMAX V31.4S, V31.4S, V6.4S
	FMIN_4S(31, 31, 7) // FMIN V31.4S, V31.4S, V7.4S

store:
	VST1 [V8.S4, V9.S4, V10.S4], (cp) // c[0][:12]
	ADD  ldcb, cp
	VST1 [V11.S4, V12.S4, V13.S4], (cp) // c[1][:12]
	ADD  ldcb, cp
	VST1 [V14.S4, V15.S4, V16.S4], (cp) // c[2][:12]
	ADD  ldcb, cp
	VST1 [V17.S4, V18.S4, V19.S4], (cp) // c[3][:12]
	ADD  ldcb, cp
	VST1 [V20.S4, V21.S4, V22.S4], (cp) // c[4][:12]
	ADD  ldcb, cp
	VST1 [V23.S4, V24.S4, V25.S4], (cp) // c[5][:12]
	ADD  ldcb, cp
	VST1 [V26.S4, V27.S4, V28.S4], (cp) // c[6][:12]
	ADD  ldcb, cp
	VST1 [V29.S4, V30.S4, V31.S4], (cp) // c[7][:12]
	RET
