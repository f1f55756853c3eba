//go:build gc && !purego && !noasm

#include "textflag.h"

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31).

// FADD Vd.4S, Vn.4S, Vm.4S
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))
// FADDP Vd.4S, Vn.4S, Vm.4S: d = {n0+n1, n2+n3, m0+m1, m2+m3}
#define FADDP_4S(d, n, m) WORD $(0x6E20D400 | (m)<<16 | (n)<<5 | (d))
// FADDP Sd, Vn.2S: d = n0+n1 (upper lanes of Vd cleared)
#define FADDP_S(d, n) WORD $(0x7E30D800 | (n)<<5 | (d))

// REDUCE4 folds the 4-lane accumulators V16..V19 into the scalar F16:
// ((V16+V17) + (V18+V19)), then the 4 lanes pairwise.
#define REDUCE4 \
	FADD_4S(16, 16, 17)  /* FADD  V16.4S, V16.4S, V17.4S */ \
	FADD_4S(18, 18, 19)  /* FADD  V18.4S, V18.4S, V19.4S */ \
	FADD_4S(16, 16, 18)  /* FADD  V16.4S, V16.4S, V18.4S */ \
	FADDP_4S(16, 16, 16) /* FADDP V16.4S, V16.4S, V16.4S */ \
	FADDP_S(16, 16)      /* FADDP S16, V16.2S */

#define xp R0  // &x[i]
#define yp R1  // &y[i]
#define n R2   // len(x)
#define cnt R3 // loop counter

// func dotNEON(x, y []float32) float32
TEXT ·dotNEON(SB), NOSPLIT, $0-52
	MOVD x_base+0(FP), xp
	MOVD x_len+8(FP), n
	MOVD y_base+24(FP), yp
	VEOR V16.B16, V16.B16, V16.B16 // s0 = 0
	VEOR V17.B16, V17.B16, V17.B16 // s1 = 0
	VEOR V18.B16, V18.B16, V18.B16 // s2 = 0
	VEOR V19.B16, V19.B16, V19.B16 // s3 = 0

	LSR  $4, n, cnt // cnt = n / 16
	CBZ  cnt, dot4

dot16:
	VLD1.P 64(xp), [V0.S4, V1.S4, V2.S4, V3.S4] // x[i:i+16]
	VLD1.P 64(yp), [V4.S4, V5.S4, V6.S4, V7.S4] // y[i:i+16]
	VFMLA  V0.S4, V4.S4, V16.S4                 // s0 += x[i:i+4] * y[i:i+4]
	VFMLA  V1.S4, V5.S4, V17.S4                 // s1 += x[i+4:i+8] * y[i+4:i+8]
	VFMLA  V2.S4, V6.S4, V18.S4                 // s2 += ...
	VFMLA  V3.S4, V7.S4, V19.S4                 // s3 += ...
	SUBS   $1, cnt
	BNE    dot16

dot4:
	UBFX $2, n, $2, cnt // cnt = (n % 16) / 4
	CBZ  cnt, dotreduce

dot4loop:
	VLD1.P 16(xp), [V0.S4]      // x[i:i+4]
	VLD1.P 16(yp), [V4.S4]      // y[i:i+4]
	VFMLA  V0.S4, V4.S4, V16.S4 // s0 += x[i:i+4] * y[i:i+4]
	SUBS   $1, cnt
	BNE    dot4loop

dotreduce:
	REDUCE4             // F16 = sum of all lanes
	ANDS $3, n, cnt     // cnt = n % 4
	BEQ  dotdone

dot1:
	FMOVS.P 4(xp), F0        // x[i]
	FMOVS.P 4(yp), F1        // y[i]
	FMADDS  F0, F16, F1, F16 // s += y[i] * x[i]
	SUBS    $1, cnt
	BNE     dot1

dotdone:
	FMOVS F16, ret+48(FP) // return s
	RET

// func sumSquaresNEON(x []float32) float32
TEXT ·sumSquaresNEON(SB), NOSPLIT, $0-28
	MOVD x_base+0(FP), xp
	MOVD x_len+8(FP), n
	VEOR V16.B16, V16.B16, V16.B16 // s0 = 0
	VEOR V17.B16, V17.B16, V17.B16 // s1 = 0
	VEOR V18.B16, V18.B16, V18.B16 // s2 = 0
	VEOR V19.B16, V19.B16, V19.B16 // s3 = 0

	LSR  $4, n, cnt // cnt = n / 16
	CBZ  cnt, sq4

sq16:
	VLD1.P 64(xp), [V0.S4, V1.S4, V2.S4, V3.S4] // x[i:i+16]
	VFMLA  V0.S4, V0.S4, V16.S4                 // s0 += x[i:i+4]^2
	VFMLA  V1.S4, V1.S4, V17.S4                 // s1 += x[i+4:i+8]^2
	VFMLA  V2.S4, V2.S4, V18.S4                 // s2 += ...
	VFMLA  V3.S4, V3.S4, V19.S4                 // s3 += ...
	SUBS   $1, cnt
	BNE    sq16

sq4:
	UBFX $2, n, $2, cnt // cnt = (n % 16) / 4
	CBZ  cnt, sqreduce

sq4loop:
	VLD1.P 16(xp), [V0.S4]      // x[i:i+4]
	VFMLA  V0.S4, V0.S4, V16.S4 // s0 += x[i:i+4]^2
	SUBS   $1, cnt
	BNE    sq4loop

sqreduce:
	REDUCE4             // F16 = sum of all lanes
	ANDS $3, n, cnt     // cnt = n % 4
	BEQ  sqdone

sq1:
	FMOVS.P 4(xp), F0        // x[i]
	FMADDS  F0, F16, F0, F16 // s += x[i] * x[i]
	SUBS    $1, cnt
	BNE     sq1

sqdone:
	FMOVS F16, ret+24(FP) // return s
	RET
