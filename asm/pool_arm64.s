//go:build gc && !purego && !noasm

#include "textflag.h"

// NEON pooling rows: see pool.go for their meaning and pool_generic.go for
// the references. For each output pixel the kernels walk its channels 4 at
// a time; a last partial group overlaps the previous one and recomputes its
// values, so c >= 4 is required (pool_dispatch_arm64.go sends c < 4 to the
// generic code).

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31).

// FMAX Vd.4S, Vn.4S, Vm.4S (NaN in either operand gives NaN)
#define FMAX_4S(d, n, m) WORD $(0x4E20F400 | (m)<<16 | (n)<<5 | (d))

// FADD Vd.4S, Vn.4S, Vm.4S
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))

// FMUL Vd.4S, Vn.4S, Vm.4S
#define FMUL_4S(d, n, m) WORD $(0x6E20DC00 | (m)<<16 | (n)<<5 | (d))

#define outp R0 // &out[pixel]
#define inp R1  // &in[first tap of the pixel's window]
#define c4 R2   // bytes per pixel
#define j R3    // output pixels left
#define po R4   // &out[pixel, channel group]
#define pi R5   // &in[first tap, channel group]
#define rem R6  // channels left in the pixel
#define rp R7   // tap row
#define r R8    // rows left
#define tp R9   // tap
#define k R10   // cols left
#define t R11   // scratch
#define step R12 // stepBytes
#define rowb R13 // rowBytes

// func maxPoolRowNEON(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int)
TEXT ·maxPoolRowNEON(SB), NOSPLIT, $0-96
	MOVD out_base+0(FP), outp
	MOVD in_base+24(FP), inp
	MOVD c+48(FP), c4
	LSL  $2, c4
	MOVD n+56(FP), j
	MOVD stepBytes+80(FP), step
	MOVD rowBytes+88(FP), rowb
	MOVW $0xff800000, t
	VDUP t, V31.S4             // -Inf, the identity of max

mpixel:
	MOVD outp, po
	MOVD inp, pi
	MOVD c+48(FP), rem

mchan:
	VMOV V31.B16, V0.B16       // acc = -Inf
	MOVD pi, rp
	MOVD rows+72(FP), r

mrows:
	MOVD rp, tp
	MOVD cols+64(FP), k

mcols:
	VLD1.P (tp)(c4), [V1.S4]   // x = tap
	FMAX_4S(0, 0, 1)           // FMAX V0.4S, V0.4S, V1.4S: acc = max(acc, x)
	SUBS   $1, k
	BNE    mcols
	ADD    rowb, rp
	SUBS   $1, r
	BNE    mrows
	VST1   [V0.S4], (po)

	// Next 4 channels; a last partial group overlaps the previous one.
	SUBS $4, rem
	BEQ  mnext
	MOVD $16, t
	CMP  $4, rem
	BGE  madv
	LSL  $2, rem, t            // rem < 4: step by rem channels only
	MOVD $4, rem

madv:
	ADD t, po
	ADD t, pi
	B   mchan

mnext:
	ADD  c4, outp
	ADD  step, inp
	SUBS $1, j
	BNE  mpixel
	RET

// func avgPoolRowNEON(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int, scale float32)
TEXT ·avgPoolRowNEON(SB), NOSPLIT, $0-100
	MOVD  out_base+0(FP), outp
	MOVD  in_base+24(FP), inp
	MOVD  c+48(FP), c4
	LSL   $2, c4
	MOVD  n+56(FP), j
	MOVD  stepBytes+80(FP), step
	MOVD  rowBytes+88(FP), rowb
	FMOVS scale+96(FP), F31
	VDUP  V31.S[0], V31.S4     // scale in every lane

apixel:
	MOVD outp, po
	MOVD inp, pi
	MOVD c+48(FP), rem

achan:
	VEOR V0.B16, V0.B16, V0.B16 // acc = 0
	MOVD pi, rp
	MOVD rows+72(FP), r

arows:
	MOVD rp, tp
	MOVD cols+64(FP), k

acols:
	VLD1.P (tp)(c4), [V1.S4]   // x = tap
	FADD_4S(0, 0, 1)           // FADD V0.4S, V0.4S, V1.4S: acc += x
	SUBS   $1, k
	BNE    acols
	ADD    rowb, rp
	SUBS   $1, r
	BNE    arows
	FMUL_4S(0, 0, 31)          // FMUL V0.4S, V0.4S, V31.4S: acc *= scale
	VST1   [V0.S4], (po)

	SUBS $4, rem
	BEQ  anext
	MOVD $16, t
	CMP  $4, rem
	BGE  aadv
	LSL  $2, rem, t
	MOVD $4, rem

aadv:
	ADD t, po
	ADD t, pi
	B   achan

anext:
	ADD  c4, outp
	ADD  step, inp
	SUBS $1, j
	BNE  apixel
	RET
