//go:build gc && !purego && !noasm

#include "textflag.h"

// NEON depthwise 3x3 kernels: see depthwise.go for their meaning and
// depthwise_generic.go for the references. One vector holds 4 consecutive
// channels of a pixel; the kernels walk channels outermost (a last partial
// group of channels overlaps the previous group and recomputes its values,
// so c >= 4 is required: the Go adapter in depthwise_dispatch_arm64.go
// sends c < 4 to the generic code). Within a group they compute 8 output
// pixels at a time: each input column of a kernel row is loaded once and
// fed to the outputs whose window covers it, with the kernel row's three
// filter vectors in V8-V10 (24 FMLA per 8 pixels and kernel row).

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31).

// FMAX Vd.4S, Vn.4S, Vm.4S (NaN in either operand gives NaN)
#define FMAX_4S(d, n, m) WORD $(0x4E20F400 | (m)<<16 | (n)<<5 | (d))

// FMIN Vd.4S, Vn.4S, Vm.4S (NaN in either operand gives NaN)
#define FMIN_4S(d, n, m) WORD $(0x4EA0F400 | (m)<<16 | (n)<<5 | (d))

// Registers. Vectors: V0-V7 accumulators, V8-V10 filter columns 0-2 of
// the current kernel row, V11 an input column, V12 bias, V13 lo, V14 hi.
#define outp R0  // &out[channel group]
#define inp R1   // &in[channel group]
#define fp R2    // &filter[channel group]
#define rem R3   // channels left, from the current group on
#define c4 R4    // bytes per pixel (4*c)
#define t R5     // scratch
#define po R6    // output pointer within the rows
#define pi R7    // input pointer: first tap of the next output pixel
#define o R8     // output rows left
#define j R9     // interior pixels left in the row
#define ft R10   // filter scratch pointer
#define rp R11   // input row of the current kernel row
#define fr R12   // filter row of the current kernel row
#define r R13    // kernel rows left
#define tp R15   // input column pointer
#define rowb R19 // bytes between input rows
#define c12 R20  // bytes per filter row (3*c4)

// func depthwise3x3RowsS1NEON(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)
TEXT ·depthwise3x3RowsS1NEON(SB), NOSPLIT, $0-176
	MOVD  out_base+0(FP), outp
	MOVD  in_base+24(FP), inp
	MOVD  filter_base+48(FP), fp
	MOVD  c+96(FP), rem
	LSL   $2, rem, c4          // bytes per pixel
	ADD   c4, c4, c12
	ADD   c4, c12              // c12 = 3*c4, one filter row
	MOVD  inRowBytes+144(FP), rowb
	FMOVS lo+168(FP), F13
	VDUP  V13.S[0], V13.S4     // lo in every lane
	FMOVS hi+172(FP), F14
	VDUP  V14.S[0], V14.S4     // hi in every lane

s1chan:
	MOVD bias_len+80(FP), t
	CBZ  t, s1nobias
	MOVD bias_base+72(FP), t
	ADD  fp, t
	MOVD filter_base+48(FP), ft
	SUB  ft, t                 // &bias[channel of fp]
	VLD1 (t), [V12.S4]
	B    s1biasok
s1nobias:
	VEOR V12.B16, V12.B16, V12.B16
s1biasok:
	MOVD outp, po
	MOVD inp, pi
	MOVD m+112(FP), o

s1row:
	MOVD n+120(FP), j
	MOVD padL+128(FP), t
	CBZ  t, s1block
	// 1 output pixel(s), kernel columns [1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s1lrows:
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 1
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s1lrows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)

s1block:
	CMP  $8, j
	BLT  s1rest
	// 8 output pixel(s), kernel columns [0, 1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	VMOV V12.B16, V1.B16 // acc1 = bias
	VMOV V12.B16, V2.B16 // acc2 = bias
	VMOV V12.B16, V3.B16 // acc3 = bias
	VMOV V12.B16, V4.B16 // acc4 = bias
	VMOV V12.B16, V5.B16 // acc5 = bias
	VMOV V12.B16, V6.B16 // acc6 = bias
	VMOV V12.B16, V7.B16 // acc7 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s1brows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VFMLA  V8.S4, V11.S4, V1.S4 // acc1 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 2
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	VFMLA  V9.S4, V11.S4, V1.S4 // acc1 += x * f1
	VFMLA  V8.S4, V11.S4, V2.S4 // acc2 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 3
	VFMLA  V10.S4, V11.S4, V1.S4 // acc1 += x * f2
	VFMLA  V9.S4, V11.S4, V2.S4 // acc2 += x * f1
	VFMLA  V8.S4, V11.S4, V3.S4 // acc3 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 4
	VFMLA  V10.S4, V11.S4, V2.S4 // acc2 += x * f2
	VFMLA  V9.S4, V11.S4, V3.S4 // acc3 += x * f1
	VFMLA  V8.S4, V11.S4, V4.S4 // acc4 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 5
	VFMLA  V10.S4, V11.S4, V3.S4 // acc3 += x * f2
	VFMLA  V9.S4, V11.S4, V4.S4 // acc4 += x * f1
	VFMLA  V8.S4, V11.S4, V5.S4 // acc5 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 6
	VFMLA  V10.S4, V11.S4, V4.S4 // acc4 += x * f2
	VFMLA  V9.S4, V11.S4, V5.S4 // acc5 += x * f1
	VFMLA  V8.S4, V11.S4, V6.S4 // acc6 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 7
	VFMLA  V10.S4, V11.S4, V5.S4 // acc5 += x * f2
	VFMLA  V9.S4, V11.S4, V6.S4 // acc6 += x * f1
	VFMLA  V8.S4, V11.S4, V7.S4 // acc7 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 8
	VFMLA  V10.S4, V11.S4, V6.S4 // acc6 += x * f2
	VFMLA  V9.S4, V11.S4, V7.S4 // acc7 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 9
	VFMLA  V10.S4, V11.S4, V7.S4 // acc7 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s1brows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)
	FMAX_4S(1, 1, 13) // acc1 = max(acc1, lo)
	FMIN_4S(1, 1, 14) // acc1 = min(acc1, hi)
	VST1.P [V1.S4], (po)(c4)
	FMAX_4S(2, 2, 13) // acc2 = max(acc2, lo)
	FMIN_4S(2, 2, 14) // acc2 = min(acc2, hi)
	VST1.P [V2.S4], (po)(c4)
	FMAX_4S(3, 3, 13) // acc3 = max(acc3, lo)
	FMIN_4S(3, 3, 14) // acc3 = min(acc3, hi)
	VST1.P [V3.S4], (po)(c4)
	FMAX_4S(4, 4, 13) // acc4 = max(acc4, lo)
	FMIN_4S(4, 4, 14) // acc4 = min(acc4, hi)
	VST1.P [V4.S4], (po)(c4)
	FMAX_4S(5, 5, 13) // acc5 = max(acc5, lo)
	FMIN_4S(5, 5, 14) // acc5 = min(acc5, hi)
	VST1.P [V5.S4], (po)(c4)
	FMAX_4S(6, 6, 13) // acc6 = max(acc6, lo)
	FMIN_4S(6, 6, 14) // acc6 = min(acc6, hi)
	VST1.P [V6.S4], (po)(c4)
	FMAX_4S(7, 7, 13) // acc7 = max(acc7, lo)
	FMIN_4S(7, 7, 14) // acc7 = min(acc7, hi)
	VST1.P [V7.S4], (po)(c4)
	LSL  $3, c4, t
	ADD  t, pi               // pi += 8*stride pixels
	SUB  $8, j
	B    s1block

// Fewer than 8 pixels left: when the row has at least 8, step back and
// recompute the last 8 (the same values), else finish with 4 and 1.
s1rest:
	CBZ  j, s1right
	MOVD n+120(FP), t
	CMP  $8, t
	BLT  s1half
	MOVD $8, t
	SUB  j, t
	MUL  c4, t                // t = (8-j) pixels
	SUB  t, po
	SUB  t, pi
	MOVD $8, j
	B    s1block

s1half:
	CMP  $4, j
	BLT  s1single
	// 4 output pixel(s), kernel columns [0, 1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	VMOV V12.B16, V1.B16 // acc1 = bias
	VMOV V12.B16, V2.B16 // acc2 = bias
	VMOV V12.B16, V3.B16 // acc3 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s1hrows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VFMLA  V8.S4, V11.S4, V1.S4 // acc1 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 2
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	VFMLA  V9.S4, V11.S4, V1.S4 // acc1 += x * f1
	VFMLA  V8.S4, V11.S4, V2.S4 // acc2 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 3
	VFMLA  V10.S4, V11.S4, V1.S4 // acc1 += x * f2
	VFMLA  V9.S4, V11.S4, V2.S4 // acc2 += x * f1
	VFMLA  V8.S4, V11.S4, V3.S4 // acc3 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 4
	VFMLA  V10.S4, V11.S4, V2.S4 // acc2 += x * f2
	VFMLA  V9.S4, V11.S4, V3.S4 // acc3 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 5
	VFMLA  V10.S4, V11.S4, V3.S4 // acc3 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s1hrows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)
	FMAX_4S(1, 1, 13) // acc1 = max(acc1, lo)
	FMIN_4S(1, 1, 14) // acc1 = min(acc1, hi)
	VST1.P [V1.S4], (po)(c4)
	FMAX_4S(2, 2, 13) // acc2 = max(acc2, lo)
	FMIN_4S(2, 2, 14) // acc2 = min(acc2, hi)
	VST1.P [V2.S4], (po)(c4)
	FMAX_4S(3, 3, 13) // acc3 = max(acc3, lo)
	FMIN_4S(3, 3, 14) // acc3 = min(acc3, hi)
	VST1.P [V3.S4], (po)(c4)
	LSL  $2, c4, t
	ADD  t, pi
	SUB  $4, j

s1single:
	CBZ  j, s1right
	// 1 output pixel(s), kernel columns [0, 1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s1srows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 2
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s1srows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)
	ADD  c4, pi
	SUB  $1, j
	B    s1single

s1right:
	MOVD padR+136(FP), t
	CBZ  t, s1next
	// 1 output pixel(s), kernel columns [0, 1]
	VMOV V12.B16, V0.B16 // acc0 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s1rrows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1   (tp), [V11.S4]     // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s1rrows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)

s1next:
	MOVD outRowSkip+160(FP), t
	ADD  t, po
	MOVD inRowSkip+152(FP), t
	ADD  t, pi
	SUBS $1, o
	BNE  s1row

	// Next 4 channels; a last partial group overlaps the previous one.
	SUBS $4, rem
	BEQ  s1done
	CMP  $4, rem
	BGE  s1adv4
	LSL  $2, rem, t           // rem < 4: step by rem channels only
	ADD  t, outp
	ADD  t, inp
	ADD  t, fp
	MOVD $4, rem
	B    s1chan
s1adv4:
	ADD  $16, outp
	ADD  $16, inp
	ADD  $16, fp
	B    s1chan

s1done:
	RET

// func depthwise3x3RowsS2NEON(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)
TEXT ·depthwise3x3RowsS2NEON(SB), NOSPLIT, $0-176
	MOVD  out_base+0(FP), outp
	MOVD  in_base+24(FP), inp
	MOVD  filter_base+48(FP), fp
	MOVD  c+96(FP), rem
	LSL   $2, rem, c4          // bytes per pixel
	ADD   c4, c4, c12
	ADD   c4, c12              // c12 = 3*c4, one filter row
	MOVD  inRowBytes+144(FP), rowb
	FMOVS lo+168(FP), F13
	VDUP  V13.S[0], V13.S4     // lo in every lane
	FMOVS hi+172(FP), F14
	VDUP  V14.S[0], V14.S4     // hi in every lane

s2chan:
	MOVD bias_len+80(FP), t
	CBZ  t, s2nobias
	MOVD bias_base+72(FP), t
	ADD  fp, t
	MOVD filter_base+48(FP), ft
	SUB  ft, t                 // &bias[channel of fp]
	VLD1 (t), [V12.S4]
	B    s2biasok
s2nobias:
	VEOR V12.B16, V12.B16, V12.B16
s2biasok:
	MOVD outp, po
	MOVD inp, pi
	MOVD m+112(FP), o

s2row:
	MOVD n+120(FP), j
	MOVD padL+128(FP), t
	CBZ  t, s2block
	// 1 output pixel(s), kernel columns [1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s2lrows:
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 1
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s2lrows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)
	ADD  c4, pi               // the next pixel's first tap

s2block:
	CMP  $8, j
	BLT  s2rest
	// 8 output pixel(s), kernel columns [0, 1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	VMOV V12.B16, V1.B16 // acc1 = bias
	VMOV V12.B16, V2.B16 // acc2 = bias
	VMOV V12.B16, V3.B16 // acc3 = bias
	VMOV V12.B16, V4.B16 // acc4 = bias
	VMOV V12.B16, V5.B16 // acc5 = bias
	VMOV V12.B16, V6.B16 // acc6 = bias
	VMOV V12.B16, V7.B16 // acc7 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s2brows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 2
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	VFMLA  V8.S4, V11.S4, V1.S4 // acc1 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 3
	VFMLA  V9.S4, V11.S4, V1.S4 // acc1 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 4
	VFMLA  V10.S4, V11.S4, V1.S4 // acc1 += x * f2
	VFMLA  V8.S4, V11.S4, V2.S4 // acc2 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 5
	VFMLA  V9.S4, V11.S4, V2.S4 // acc2 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 6
	VFMLA  V10.S4, V11.S4, V2.S4 // acc2 += x * f2
	VFMLA  V8.S4, V11.S4, V3.S4 // acc3 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 7
	VFMLA  V9.S4, V11.S4, V3.S4 // acc3 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 8
	VFMLA  V10.S4, V11.S4, V3.S4 // acc3 += x * f2
	VFMLA  V8.S4, V11.S4, V4.S4 // acc4 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 9
	VFMLA  V9.S4, V11.S4, V4.S4 // acc4 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 10
	VFMLA  V10.S4, V11.S4, V4.S4 // acc4 += x * f2
	VFMLA  V8.S4, V11.S4, V5.S4 // acc5 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 11
	VFMLA  V9.S4, V11.S4, V5.S4 // acc5 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 12
	VFMLA  V10.S4, V11.S4, V5.S4 // acc5 += x * f2
	VFMLA  V8.S4, V11.S4, V6.S4 // acc6 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 13
	VFMLA  V9.S4, V11.S4, V6.S4 // acc6 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 14
	VFMLA  V10.S4, V11.S4, V6.S4 // acc6 += x * f2
	VFMLA  V8.S4, V11.S4, V7.S4 // acc7 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 15
	VFMLA  V9.S4, V11.S4, V7.S4 // acc7 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 16
	VFMLA  V10.S4, V11.S4, V7.S4 // acc7 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s2brows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)
	FMAX_4S(1, 1, 13) // acc1 = max(acc1, lo)
	FMIN_4S(1, 1, 14) // acc1 = min(acc1, hi)
	VST1.P [V1.S4], (po)(c4)
	FMAX_4S(2, 2, 13) // acc2 = max(acc2, lo)
	FMIN_4S(2, 2, 14) // acc2 = min(acc2, hi)
	VST1.P [V2.S4], (po)(c4)
	FMAX_4S(3, 3, 13) // acc3 = max(acc3, lo)
	FMIN_4S(3, 3, 14) // acc3 = min(acc3, hi)
	VST1.P [V3.S4], (po)(c4)
	FMAX_4S(4, 4, 13) // acc4 = max(acc4, lo)
	FMIN_4S(4, 4, 14) // acc4 = min(acc4, hi)
	VST1.P [V4.S4], (po)(c4)
	FMAX_4S(5, 5, 13) // acc5 = max(acc5, lo)
	FMIN_4S(5, 5, 14) // acc5 = min(acc5, hi)
	VST1.P [V5.S4], (po)(c4)
	FMAX_4S(6, 6, 13) // acc6 = max(acc6, lo)
	FMIN_4S(6, 6, 14) // acc6 = min(acc6, hi)
	VST1.P [V6.S4], (po)(c4)
	FMAX_4S(7, 7, 13) // acc7 = max(acc7, lo)
	FMIN_4S(7, 7, 14) // acc7 = min(acc7, hi)
	VST1.P [V7.S4], (po)(c4)
	LSL  $4, c4, t
	ADD  t, pi               // pi += 8*stride pixels
	SUB  $8, j
	B    s2block

// Fewer than 8 pixels left: when the row has at least 8, step back and
// recompute the last 8 (the same values), else finish with 4 and 1.
s2rest:
	CBZ  j, s2right
	MOVD n+120(FP), t
	CMP  $8, t
	BLT  s2half
	MOVD $8, t
	SUB  j, t
	MUL  c4, t                // t = (8-j) pixels
	SUB  t, po
	LSL  $1, t
	SUB  t, pi
	MOVD $8, j
	B    s2block

s2half:
	CMP  $4, j
	BLT  s2single
	// 4 output pixel(s), kernel columns [0, 1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	VMOV V12.B16, V1.B16 // acc1 = bias
	VMOV V12.B16, V2.B16 // acc2 = bias
	VMOV V12.B16, V3.B16 // acc3 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s2hrows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 2
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	VFMLA  V8.S4, V11.S4, V1.S4 // acc1 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 3
	VFMLA  V9.S4, V11.S4, V1.S4 // acc1 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 4
	VFMLA  V10.S4, V11.S4, V1.S4 // acc1 += x * f2
	VFMLA  V8.S4, V11.S4, V2.S4 // acc2 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 5
	VFMLA  V9.S4, V11.S4, V2.S4 // acc2 += x * f1
	VLD1.P (tp)(c4), [V11.S4] // x = input column 6
	VFMLA  V10.S4, V11.S4, V2.S4 // acc2 += x * f2
	VFMLA  V8.S4, V11.S4, V3.S4 // acc3 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 7
	VFMLA  V9.S4, V11.S4, V3.S4 // acc3 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 8
	VFMLA  V10.S4, V11.S4, V3.S4 // acc3 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s2hrows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)
	FMAX_4S(1, 1, 13) // acc1 = max(acc1, lo)
	FMIN_4S(1, 1, 14) // acc1 = min(acc1, hi)
	VST1.P [V1.S4], (po)(c4)
	FMAX_4S(2, 2, 13) // acc2 = max(acc2, lo)
	FMIN_4S(2, 2, 14) // acc2 = min(acc2, hi)
	VST1.P [V2.S4], (po)(c4)
	FMAX_4S(3, 3, 13) // acc3 = max(acc3, lo)
	FMIN_4S(3, 3, 14) // acc3 = min(acc3, hi)
	VST1.P [V3.S4], (po)(c4)
	LSL  $3, c4, t
	ADD  t, pi
	SUB  $4, j

s2single:
	CBZ  j, s2right
	// 1 output pixel(s), kernel columns [0, 1, 2]
	VMOV V12.B16, V0.B16 // acc0 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s2srows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	ADD  c4, ft
	VLD1 (ft), [V10.S4]        // f2 = filter[r][2]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1.P (tp)(c4), [V11.S4] // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	VLD1   (tp), [V11.S4]     // x = input column 2
	VFMLA  V10.S4, V11.S4, V0.S4 // acc0 += x * f2
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s2srows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)
	ADD  c4, pi
	ADD  c4, pi
	SUB  $1, j
	B    s2single

s2right:
	MOVD padR+136(FP), t
	CBZ  t, s2next
	// 1 output pixel(s), kernel columns [0, 1]
	VMOV V12.B16, V0.B16 // acc0 = bias
	MOVD pi, rp
	MOVD fp, fr
	MOVD rows+104(FP), r
s2rrows:
	VLD1 (fr), [V8.S4]         // f0 = filter[r][0]
	ADD  c4, fr, ft
	VLD1 (ft), [V9.S4]         // f1 = filter[r][1]
	MOVD rp, tp
	VLD1.P (tp)(c4), [V11.S4] // x = input column 0
	VFMLA  V8.S4, V11.S4, V0.S4 // acc0 += x * f0
	VLD1   (tp), [V11.S4]     // x = input column 1
	VFMLA  V9.S4, V11.S4, V0.S4 // acc0 += x * f1
	ADD  rowb, rp  // next input row
	ADD  c12, fr   // next filter row
	SUBS $1, r
	BNE  s2rrows
	FMAX_4S(0, 0, 13) // acc0 = max(acc0, lo)
	FMIN_4S(0, 0, 14) // acc0 = min(acc0, hi)
	VST1.P [V0.S4], (po)(c4)

s2next:
	MOVD outRowSkip+160(FP), t
	ADD  t, po
	MOVD inRowSkip+152(FP), t
	ADD  t, pi
	SUBS $1, o
	BNE  s2row

	// Next 4 channels; a last partial group overlaps the previous one.
	SUBS $4, rem
	BEQ  s2done
	CMP  $4, rem
	BGE  s2adv4
	LSL  $2, rem, t           // rem < 4: step by rem channels only
	ADD  t, outp
	ADD  t, inp
	ADD  t, fp
	MOVD $4, rem
	B    s2chan
s2adv4:
	ADD  $16, outp
	ADD  $16, inp
	ADD  $16, fp
	B    s2chan

s2done:
	RET

// func depthwise3x3PixelNEON(out, in, filter, bias []float32, c, rows, cols, rowBytes int, lo, hi float32)
TEXT ·depthwise3x3PixelNEON(SB), NOSPLIT, $0-136
	MOVD  out_base+0(FP), outp
	MOVD  in_base+24(FP), inp
	MOVD  filter_base+48(FP), fp
	MOVD  c+96(FP), rem
	LSL   $2, rem, c4
	ADD   c4, c4, c12
	ADD   c4, c12              // c12 = 3*c4
	MOVD  rowBytes+120(FP), rowb
	FMOVS lo+128(FP), F13
	VDUP  V13.S[0], V13.S4
	FMOVS hi+132(FP), F14
	VDUP  V14.S[0], V14.S4

pchan:
	MOVD bias_len+80(FP), t
	CBZ  t, pnobias
	MOVD bias_base+72(FP), t
	ADD  fp, t
	MOVD filter_base+48(FP), ft
	SUB  ft, t                 // &bias[channel of fp]
	VLD1 (t), [V0.S4]          // acc = bias
	B    pbiasok

pnobias:
	VEOR V0.B16, V0.B16, V0.B16

pbiasok:
	MOVD inp, rp
	MOVD fp, fr
	MOVD rows+104(FP), r

prows:
	MOVD rp, tp
	MOVD fr, ft
	MOVD cols+112(FP), j

pcols:
	VLD1.P (tp)(c4), [V11.S4] // x = in[r][k]
	VLD1.P (ft)(c4), [V8.S4]  // f = filter[r][k]
	VFMLA  V8.S4, V11.S4, V0.S4 // acc += x * f
	SUBS   $1, j
	BNE    pcols
	ADD    rowb, rp
	ADD    c12, fr
	SUBS   $1, r
	BNE    prows
	FMAX_4S(0, 0, 13) // acc = max(acc, lo)
	FMIN_4S(0, 0, 14) // acc = min(acc, hi)
	VST1   [V0.S4], (outp)

	// Next 4 channels; a last partial group overlaps the previous one.
	SUBS $4, rem
	BEQ  pdone
	CMP  $4, rem
	BGE  padv4
	LSL  $2, rem, t
	ADD  t, outp
	ADD  t, inp
	ADD  t, fp
	MOVD $4, rem
	B    pchan

padv4:
	ADD $16, outp
	ADD $16, inp
	ADD $16, fp
	B   pchan

pdone:
	RET
