//go:build gc && !purego && !noasm

#include "textflag.h"

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31).

// FMUL Vd.4S, Vn.4S, Vm.4S
#define FMUL_4S(d, n, m) WORD $(0x6E20DC00 | (m)<<16 | (n)<<5 | (d))

#define xp R0  // &x[i]
#define yp R1  // &y[i] (loads)
#define yw R2  // &y[i] (stores)
#define n R3   // len(x)
#define cnt R4 // loop counter

// func axpyNEON(a float32, x, y []float32)
TEXT ·axpyNEON(SB), NOSPLIT, $0-56
	FMOVS a+0(FP), F30
	MOVD  x_base+8(FP), xp
	MOVD  x_len+16(FP), n
	MOVD  y_base+32(FP), yp
	MOVD  yp, yw
	VDUP  V30.S[0], V31.S4 // va = {a, a, a, a}

	LSR $4, n, cnt // cnt = n / 16
	CBZ cnt, axpy4

axpy16:
	VLD1.P 64(xp), [V0.S4, V1.S4, V2.S4, V3.S4] // x[i:i+16]
	VLD1.P 64(yp), [V4.S4, V5.S4, V6.S4, V7.S4] // y[i:i+16]
	VFMLA  V0.S4, V31.S4, V4.S4                 // y[i:i+4] += a * x[i:i+4] (fused)
	VFMLA  V1.S4, V31.S4, V5.S4                 // y[i+4:i+8] += a * x[i+4:i+8]
	VFMLA  V2.S4, V31.S4, V6.S4                 // ...
	VFMLA  V3.S4, V31.S4, V7.S4                 // ...
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(yw) // store y[i:i+16]
	SUBS   $1, cnt
	BNE    axpy16

axpy4:
	UBFX $2, n, $2, cnt // cnt = (n % 16) / 4
	CBZ  cnt, axpytail

axpy4loop:
	VLD1.P 16(xp), [V0.S4]      // x[i:i+4]
	VLD1.P 16(yp), [V4.S4]      // y[i:i+4]
	VFMLA  V0.S4, V31.S4, V4.S4 // y[i:i+4] += a * x[i:i+4]
	VST1.P [V4.S4], 16(yw)      // store y[i:i+4]
	SUBS   $1, cnt
	BNE    axpy4loop

axpytail:
	ANDS $3, n, cnt // cnt = n % 4
	BEQ  axpydone

axpy1:
	FMOVS.P 4(xp), F0         // x[i]
	FMOVS   (yw), F1          // y[i]
	FMADDS  F0, F1, F30, F1   // y[i] += a * x[i] (fused)
	FMOVS.P F1, 4(yw)         // store y[i]
	SUBS    $1, cnt
	BNE     axpy1

axpydone:
	RET

// func scaleNEON(a float32, x []float32)
TEXT ·scaleNEON(SB), NOSPLIT, $0-32
	FMOVS a+0(FP), F30
	MOVD  x_base+8(FP), xp
	MOVD  x_len+16(FP), n
	MOVD  xp, yw           // stores follow loads through x
	VDUP  V30.S[0], V31.S4 // va = {a, a, a, a}

	LSR $4, n, cnt // cnt = n / 16
	CBZ cnt, scale4

scale16:
	VLD1.P 64(xp), [V0.S4, V1.S4, V2.S4, V3.S4] // x[i:i+16]
	FMUL_4S(0, 0, 31)                           // FMUL V0.4S, V0.4S, V31.4S: x[i:i+4] *= a
	FMUL_4S(1, 1, 31)                           // FMUL V1.4S, V1.4S, V31.4S
	FMUL_4S(2, 2, 31)                           // FMUL V2.4S, V2.4S, V31.4S
	FMUL_4S(3, 3, 31)                           // FMUL V3.4S, V3.4S, V31.4S
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(yw) // store x[i:i+16]
	SUBS   $1, cnt
	BNE    scale16

scale4:
	UBFX $2, n, $2, cnt // cnt = (n % 16) / 4
	CBZ  cnt, scaletail

scale4loop:
	VLD1.P 16(xp), [V0.S4] // x[i:i+4]
	FMUL_4S(0, 0, 31)      // FMUL V0.4S, V0.4S, V31.4S: x[i:i+4] *= a
	VST1.P [V0.S4], 16(yw) // store x[i:i+4]
	SUBS   $1, cnt
	BNE    scale4loop

scaletail:
	ANDS $3, n, cnt // cnt = n % 4
	BEQ  scaledone

scale1:
	FMOVS.P 4(xp), F0 // x[i]
	FMULS   F30, F0   // x[i] *= a
	FMOVS.P F0, 4(yw) // store x[i]
	SUBS    $1, cnt
	BNE     scale1

scaledone:
	RET
