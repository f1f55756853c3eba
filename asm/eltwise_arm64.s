//go:build gc && !purego && !noasm

#include "textflag.h"

// NEON element-wise kernels: see eltwise.go for their meaning and
// eltwise_generic.go for the references.

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31).

// FADD Vd.4S, Vn.4S, Vm.4S
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))

// FMAX Vd.4S, Vn.4S, Vm.4S (NaN in either operand gives NaN)
#define FMAX_4S(d, n, m) WORD $(0x4E20F400 | (m)<<16 | (n)<<5 | (d))

// FMIN Vd.4S, Vn.4S, Vm.4S (NaN in either operand gives NaN)
#define FMIN_4S(d, n, m) WORD $(0x4EA0F400 | (m)<<16 | (n)<<5 | (d))

#define op R0  // &out[i]
#define ap R1  // &a[i] (or &in[i])
#define bp R2  // &b[i]
#define n R3   // len(a)
#define cnt R4 // loop counter

// func addClampNEON(out, a, b []float32, lo, hi float32)
TEXT ·addClampNEON(SB), NOSPLIT, $0-80
	MOVD  out_base+0(FP), op
	MOVD  a_base+24(FP), ap
	MOVD  a_len+32(FP), n
	MOVD  b_base+48(FP), bp
	FMOVS lo+72(FP), F30
	FMOVS hi+76(FP), F31
	VDUP  V30.S[0], V28.S4 // lo in every lane
	VDUP  V31.S[0], V29.S4 // hi in every lane

	LSR $3, n, cnt // cnt = n / 8
	CBZ cnt, add1

add8:
	VLD1.P 32(ap), [V0.S4, V1.S4] // a[i:i+8]
	VLD1.P 32(bp), [V2.S4, V3.S4] // b[i:i+8]
	FADD_4S(0, 0, 2)              // FADD V0.4S, V0.4S, V2.4S: v = a + b
	FADD_4S(1, 1, 3)              // FADD V1.4S, V1.4S, V3.4S
	FMAX_4S(0, 0, 28)             // FMAX V0.4S, V0.4S, V28.4S: v = max(v, lo)
	FMAX_4S(1, 1, 28)             // FMAX V1.4S, V1.4S, V28.4S
	FMIN_4S(0, 0, 29)             // FMIN V0.4S, V0.4S, V29.4S: v = min(v, hi)
	FMIN_4S(1, 1, 29)             // FMIN V1.4S, V1.4S, V29.4S
	VST1.P [V0.S4, V1.S4], 32(op)
	SUBS   $1, cnt
	BNE    add8

add1:
	ANDS $7, n, cnt // cnt = n % 8
	BEQ  adddone

add1loop:
	FMOVS.P 4(ap), F0
	FMOVS.P 4(bp), F1
	FADDS   F1, F0
	FMAXS   F30, F0, F0 // max(v, lo), NaN propagates
	FMINS   F31, F0, F0 // min(v, hi)
	FMOVS.P F0, 4(op)
	SUBS    $1, cnt
	BNE     add1loop

adddone:
	RET

// func clampNEON(out, in []float32, lo, hi float32)
TEXT ·clampNEON(SB), NOSPLIT, $0-56
	MOVD  out_base+0(FP), op
	MOVD  in_base+24(FP), ap
	MOVD  in_len+32(FP), n
	FMOVS lo+48(FP), F30
	FMOVS hi+52(FP), F31
	VDUP  V30.S[0], V28.S4
	VDUP  V31.S[0], V29.S4

	LSR $3, n, cnt
	CBZ cnt, clamp1

clamp8:
	VLD1.P 32(ap), [V0.S4, V1.S4]
	FMAX_4S(0, 0, 28) // FMAX V0.4S, V0.4S, V28.4S: v = max(v, lo)
	FMAX_4S(1, 1, 28) // FMAX V1.4S, V1.4S, V28.4S
	FMIN_4S(0, 0, 29) // FMIN V0.4S, V0.4S, V29.4S: v = min(v, hi)
	FMIN_4S(1, 1, 29) // FMIN V1.4S, V1.4S, V29.4S
	VST1.P [V0.S4, V1.S4], 32(op)
	SUBS   $1, cnt
	BNE    clamp8

clamp1:
	ANDS $7, n, cnt
	BEQ  clampdone

clamp1loop:
	FMOVS.P 4(ap), F0
	FMAXS   F30, F0, F0
	FMINS   F31, F0, F0
	FMOVS.P F0, 4(op)
	SUBS    $1, cnt
	BNE     clamp1loop

clampdone:
	RET
