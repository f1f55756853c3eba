//go:build gc && !purego && !noasm

#include "textflag.h"

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31).

// FADD Vd.4S, Vn.4S, Vm.4S
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))
// FSUB Vd.4S, Vn.4S, Vm.4S: d = n - m
#define FSUB_4S(d, n, m) WORD $(0x4EA0D400 | (m)<<16 | (n)<<5 | (d))
// FADDP Vd.4S, Vn.4S, Vm.4S: d = {n0+n1, n2+n3, m0+m1, m2+m3}
#define FADDP_4S(d, n, m) WORD $(0x6E20D400 | (m)<<16 | (n)<<5 | (d))
// FADDP Sd, Vn.2S: d = n0+n1 (upper lanes of Vd cleared)
#define FADDP_S(d, n) WORD $(0x7E30D800 | (n)<<5 | (d))

#define qbase R0   // &q[0]
#define d R1       // len(q)
#define mp R2      // &m[r*d], the first row not yet done
#define op R3      // &out[r]
#define rows R4    // len(out)
#define qp R5      // &q[i]
#define r0 R6      // &m[r*d+i]
#define r1 R7      // &m[(r+1)*d+i]
#define r2 R8      // &m[(r+2)*d+i]
#define r3 R9      // &m[(r+3)*d+i]
#define stride R10 // d*4, bytes per row
#define cnt R11    // inner loop counter
#define rcnt R12   // row loop counter

// ZERO8 clears the 4-row accumulators V16..V23 (two per row).
#define ZERO8 \
	VEOR V16.B16, V16.B16, V16.B16 \
	VEOR V17.B16, V17.B16, V17.B16 \
	VEOR V18.B16, V18.B16, V18.B16 \
	VEOR V19.B16, V19.B16, V19.B16 \
	VEOR V20.B16, V20.B16, V20.B16 \
	VEOR V21.B16, V21.B16, V21.B16 \
	VEOR V22.B16, V22.B16, V22.B16 \
	VEOR V23.B16, V23.B16, V23.B16

// ZERO4 clears the single-row accumulators V16..V19.
#define ZERO4 \
	VEOR V16.B16, V16.B16, V16.B16 \
	VEOR V17.B16, V17.B16, V17.B16 \
	VEOR V18.B16, V18.B16, V18.B16 \
	VEOR V19.B16, V19.B16, V19.B16

// ZERO4_TAIL clears the 4-row scalar tail sums F24..F27 (whole V registers,
// so that ADD_TAILS can gather them into V24).
#define ZERO4_TAIL \
	VEOR V24.B16, V24.B16, V24.B16 \
	VEOR V25.B16, V25.B16, V25.B16 \
	VEOR V26.B16, V26.B16, V26.B16 \
	VEOR V27.B16, V27.B16, V27.B16

// ROWS4 sets r0..r3 to the 4 rows starting at mp, and qp to q.
#define ROWS4 \
	MOVD qbase, qp \
	MOVD mp, r0 \
	ADD  stride, r0, r1 \
	ADD  stride, r1, r2 \
	ADD  stride, r2, r3

// REDUCE_ROWS4 leaves {sum(row0), sum(row1), sum(row2), sum(row3)} in V16,
// from the accumulator pairs (V16,V17) (V18,V19) (V20,V21) (V22,V23).
#define REDUCE_ROWS4 \
	FADD_4S(16, 16, 17)  /* FADD  V16.4S, V16.4S, V17.4S: row 0 */ \
	FADD_4S(18, 18, 19)  /* FADD  V18.4S, V18.4S, V19.4S: row 1 */ \
	FADD_4S(20, 20, 21)  /* FADD  V20.4S, V20.4S, V21.4S: row 2 */ \
	FADD_4S(22, 22, 23)  /* FADD  V22.4S, V22.4S, V23.4S: row 3 */ \
	FADDP_4S(16, 16, 18) /* FADDP V16.4S, V16.4S, V18.4S: {r0, r0, r1, r1} */ \
	FADDP_4S(20, 20, 22) /* FADDP V20.4S, V20.4S, V22.4S: {r2, r2, r3, r3} */ \
	FADDP_4S(16, 16, 20) /* FADDP V16.4S, V16.4S, V20.4S: {r0, r1, r2, r3} */

// ADD_TAILS adds the scalar tail sums {F24, F25, F26, F27} to the 4 lanes
// of V16.
#define ADD_TAILS \
	VMOV V25.S[0], V24.S[1] \
	VMOV V26.S[0], V24.S[2] \
	VMOV V27.S[0], V24.S[3] \
	FADD_4S(16, 16, 24) /* FADD V16.4S, V16.4S, V24.4S */

// REDUCE4 folds the single-row accumulators V16..V19 into the scalar F16.
#define REDUCE4 \
	FADD_4S(16, 16, 17)  /* FADD  V16.4S, V16.4S, V17.4S */ \
	FADD_4S(18, 18, 19)  /* FADD  V18.4S, V18.4S, V19.4S */ \
	FADD_4S(16, 16, 18)  /* FADD  V16.4S, V16.4S, V18.4S */ \
	FADDP_4S(16, 16, 16) /* FADDP V16.4S, V16.4S, V16.4S */ \
	FADDP_S(16, 16)      /* FADDP S16, V16.2S */

// LOADARGS reads the three slices and derives the row stride.
#define LOADARGS \
	MOVD q_base+0(FP), qbase \
	MOVD q_len+8(FP), d \
	MOVD m_base+24(FP), mp \
	MOVD out_base+48(FP), op \
	MOVD out_len+56(FP), rows \
	LSL  $2, d, stride

// func dotBatchNEON(q, m, out []float32)
TEXT ·dotBatchNEON(SB), NOSPLIT, $0-72
	LOADARGS
	LSR $2, rows, rcnt // rcnt = len(out) / 4
	CBZ rcnt, dotrows1

dotblock4:
	ROWS4
	ZERO8
	LSR $3, d, cnt // cnt = d / 8
	CBZ cnt, dotb4x4

dotb4x8:
	VLD1.P 32(qp), [V0.S4, V1.S4] // q[i:i+8], shared by the 4 rows
	VLD1.P 32(r0), [V2.S4, V3.S4] // row0[i:i+8]
	VLD1.P 32(r1), [V4.S4, V5.S4] // row1[i:i+8]
	VLD1.P 32(r2), [V6.S4, V7.S4] // row2[i:i+8]
	VLD1.P 32(r3), [V8.S4, V9.S4] // row3[i:i+8]
	VFMLA  V0.S4, V2.S4, V16.S4   // s0a += q[i:i+4] * row0[i:i+4]
	VFMLA  V1.S4, V3.S4, V17.S4   // s0b += q[i+4:i+8] * row0[i+4:i+8]
	VFMLA  V0.S4, V4.S4, V18.S4   // s1a += q[i:i+4] * row1[i:i+4]
	VFMLA  V1.S4, V5.S4, V19.S4   // s1b += ...
	VFMLA  V0.S4, V6.S4, V20.S4   // s2a += ...
	VFMLA  V1.S4, V7.S4, V21.S4   // s2b += ...
	VFMLA  V0.S4, V8.S4, V22.S4   // s3a += ...
	VFMLA  V1.S4, V9.S4, V23.S4   // s3b += ...
	SUBS   $1, cnt
	BNE    dotb4x8

dotb4x4:
	TBZ    $2, d, dotb4reduce   // if d%8 >= 4:
	VLD1.P 16(qp), [V0.S4]      //   q[i:i+4]
	VLD1.P 16(r0), [V2.S4]      //   row0[i:i+4]
	VLD1.P 16(r1), [V4.S4]      //   row1[i:i+4]
	VLD1.P 16(r2), [V6.S4]      //   row2[i:i+4]
	VLD1.P 16(r3), [V8.S4]      //   row3[i:i+4]
	VFMLA  V0.S4, V2.S4, V16.S4 //   s0a += q[i:i+4] * row0[i:i+4]
	VFMLA  V0.S4, V4.S4, V18.S4 //   s1a += ...
	VFMLA  V0.S4, V6.S4, V20.S4 //   s2a += ...
	VFMLA  V0.S4, V8.S4, V22.S4 //   s3a += ...

dotb4reduce:
	REDUCE_ROWS4    // V16 = {s0, s1, s2, s3}
	ANDS $3, d, cnt // cnt = d % 4
	BEQ  dotb4store
	ZERO4_TAIL      // t0..t3 = 0

dotb4x1:
	FMOVS.P 4(qp), F0        // q[i]
	FMOVS.P 4(r0), F2        // row0[i]
	FMOVS.P 4(r1), F3        // row1[i]
	FMOVS.P 4(r2), F4        // row2[i]
	FMOVS.P 4(r3), F5        // row3[i]
	FMADDS  F0, F24, F2, F24 // t0 += row0[i] * q[i]
	FMADDS  F0, F25, F3, F25 // t1 += row1[i] * q[i]
	FMADDS  F0, F26, F4, F26 // t2 += row2[i] * q[i]
	FMADDS  F0, F27, F5, F27 // t3 += row3[i] * q[i]
	SUBS    $1, cnt
	BNE     dotb4x1
	ADD_TAILS               // V16 += {t0, t1, t2, t3}

dotb4store:
	VST1.P [V16.S4], 16(op) // out[r:r+4] = V16
	MOVD   r3, mp           // r3 ended at the start of row r+4
	SUBS   $1, rcnt
	BNE    dotblock4

dotrows1:
	ANDS $3, rows, rcnt // rcnt = len(out) % 4
	BEQ  dotdone

dotrow:
	MOVD qbase, qp
	MOVD mp, r0
	ZERO4
	LSR  $4, d, cnt // cnt = d / 16
	CBZ  cnt, dotr4

dotr16:
	VLD1.P 64(qp), [V0.S4, V1.S4, V2.S4, V3.S4] // q[i:i+16]
	VLD1.P 64(r0), [V4.S4, V5.S4, V6.S4, V7.S4] // row[i:i+16]
	VFMLA  V0.S4, V4.S4, V16.S4                 // s0 += q[i:i+4] * row[i:i+4]
	VFMLA  V1.S4, V5.S4, V17.S4                 // s1 += ...
	VFMLA  V2.S4, V6.S4, V18.S4                 // s2 += ...
	VFMLA  V3.S4, V7.S4, V19.S4                 // s3 += ...
	SUBS   $1, cnt
	BNE    dotr16

dotr4:
	UBFX $2, d, $2, cnt // cnt = (d % 16) / 4
	CBZ  cnt, dotrreduce

dotr4loop:
	VLD1.P 16(qp), [V0.S4]      // q[i:i+4]
	VLD1.P 16(r0), [V4.S4]      // row[i:i+4]
	VFMLA  V0.S4, V4.S4, V16.S4 // s0 += q[i:i+4] * row[i:i+4]
	SUBS   $1, cnt
	BNE    dotr4loop

dotrreduce:
	REDUCE4         // F16 = s
	ANDS $3, d, cnt // cnt = d % 4
	BEQ  dotrstore

dotr1:
	FMOVS.P 4(qp), F0        // q[i]
	FMOVS.P 4(r0), F4        // row[i]
	FMADDS  F0, F16, F4, F16 // s += row[i] * q[i]
	SUBS    $1, cnt
	BNE     dotr1

dotrstore:
	FMOVS.P F16, 4(op) // out[r] = s
	MOVD    r0, mp     // r0 ended at the start of row r+1
	SUBS    $1, rcnt
	BNE     dotrow

dotdone:
	RET

// func squaredL2BatchNEON(q, m, out []float32)
TEXT ·squaredL2BatchNEON(SB), NOSPLIT, $0-72
	LOADARGS
	LSR $2, rows, rcnt // rcnt = len(out) / 4
	CBZ rcnt, l2rows1

l2block4:
	ROWS4
	ZERO8
	LSR $3, d, cnt // cnt = d / 8
	CBZ cnt, l2b4x4

l2b4x8:
	VLD1.P 32(qp), [V0.S4, V1.S4] // q[i:i+8], shared by the 4 rows
	VLD1.P 32(r0), [V2.S4, V3.S4] // row0[i:i+8]
	VLD1.P 32(r1), [V4.S4, V5.S4] // row1[i:i+8]
	VLD1.P 32(r2), [V6.S4, V7.S4] // row2[i:i+8]
	VLD1.P 32(r3), [V8.S4, V9.S4] // row3[i:i+8]
	FSUB_4S(2, 0, 2)              // FSUB V2.4S, V0.4S, V2.4S: t = q[i:i+4] - row0[i:i+4]
	FSUB_4S(3, 1, 3)              // FSUB V3.4S, V1.4S, V3.4S
	FSUB_4S(4, 0, 4)              // FSUB V4.4S, V0.4S, V4.4S
	FSUB_4S(5, 1, 5)              // FSUB V5.4S, V1.4S, V5.4S
	FSUB_4S(6, 0, 6)              // FSUB V6.4S, V0.4S, V6.4S
	FSUB_4S(7, 1, 7)              // FSUB V7.4S, V1.4S, V7.4S
	FSUB_4S(8, 0, 8)              // FSUB V8.4S, V0.4S, V8.4S
	FSUB_4S(9, 1, 9)              // FSUB V9.4S, V1.4S, V9.4S
	VFMLA  V2.S4, V2.S4, V16.S4   // s0a += t*t
	VFMLA  V3.S4, V3.S4, V17.S4   // s0b += t*t
	VFMLA  V4.S4, V4.S4, V18.S4   // s1a += ...
	VFMLA  V5.S4, V5.S4, V19.S4   // s1b += ...
	VFMLA  V6.S4, V6.S4, V20.S4   // s2a += ...
	VFMLA  V7.S4, V7.S4, V21.S4   // s2b += ...
	VFMLA  V8.S4, V8.S4, V22.S4   // s3a += ...
	VFMLA  V9.S4, V9.S4, V23.S4   // s3b += ...
	SUBS   $1, cnt
	BNE    l2b4x8

l2b4x4:
	TBZ    $2, d, l2b4reduce    // if d%8 >= 4:
	VLD1.P 16(qp), [V0.S4]      //   q[i:i+4]
	VLD1.P 16(r0), [V2.S4]      //   row0[i:i+4]
	VLD1.P 16(r1), [V4.S4]      //   row1[i:i+4]
	VLD1.P 16(r2), [V6.S4]      //   row2[i:i+4]
	VLD1.P 16(r3), [V8.S4]      //   row3[i:i+4]
	FSUB_4S(2, 0, 2)            //   FSUB V2.4S, V0.4S, V2.4S: t = q - row0
	FSUB_4S(4, 0, 4)            //   FSUB V4.4S, V0.4S, V4.4S
	FSUB_4S(6, 0, 6)            //   FSUB V6.4S, V0.4S, V6.4S
	FSUB_4S(8, 0, 8)            //   FSUB V8.4S, V0.4S, V8.4S
	VFMLA  V2.S4, V2.S4, V16.S4 //   s0a += t*t
	VFMLA  V4.S4, V4.S4, V18.S4 //   s1a += ...
	VFMLA  V6.S4, V6.S4, V20.S4 //   s2a += ...
	VFMLA  V8.S4, V8.S4, V22.S4 //   s3a += ...

l2b4reduce:
	REDUCE_ROWS4    // V16 = {s0, s1, s2, s3}
	ANDS $3, d, cnt // cnt = d % 4
	BEQ  l2b4store
	ZERO4_TAIL      // t0..t3 = 0

l2b4x1:
	FMOVS.P 4(qp), F0        // q[i]
	FMOVS.P 4(r0), F2        // row0[i]
	FMOVS.P 4(r1), F3        // row1[i]
	FMOVS.P 4(r2), F4        // row2[i]
	FMOVS.P 4(r3), F5        // row3[i]
	FSUBS   F2, F0, F2       // u0 = q[i] - row0[i]
	FSUBS   F3, F0, F3       // u1 = q[i] - row1[i]
	FSUBS   F4, F0, F4       // u2 = q[i] - row2[i]
	FSUBS   F5, F0, F5       // u3 = q[i] - row3[i]
	FMADDS  F2, F24, F2, F24 // t0 += u0*u0
	FMADDS  F3, F25, F3, F25 // t1 += u1*u1
	FMADDS  F4, F26, F4, F26 // t2 += u2*u2
	FMADDS  F5, F27, F5, F27 // t3 += u3*u3
	SUBS    $1, cnt
	BNE     l2b4x1
	ADD_TAILS               // V16 += {t0, t1, t2, t3}

l2b4store:
	VST1.P [V16.S4], 16(op) // out[r:r+4] = V16
	MOVD   r3, mp           // r3 ended at the start of row r+4
	SUBS   $1, rcnt
	BNE    l2block4

l2rows1:
	ANDS $3, rows, rcnt // rcnt = len(out) % 4
	BEQ  l2done

l2row:
	MOVD qbase, qp
	MOVD mp, r0
	ZERO4
	LSR  $4, d, cnt // cnt = d / 16
	CBZ  cnt, l2r4

l2r16:
	VLD1.P 64(qp), [V0.S4, V1.S4, V2.S4, V3.S4] // q[i:i+16]
	VLD1.P 64(r0), [V4.S4, V5.S4, V6.S4, V7.S4] // row[i:i+16]
	FSUB_4S(4, 0, 4)                            // FSUB V4.4S, V0.4S, V4.4S: t = q - row
	FSUB_4S(5, 1, 5)                            // FSUB V5.4S, V1.4S, V5.4S
	FSUB_4S(6, 2, 6)                            // FSUB V6.4S, V2.4S, V6.4S
	FSUB_4S(7, 3, 7)                            // FSUB V7.4S, V3.4S, V7.4S
	VFMLA  V4.S4, V4.S4, V16.S4                 // s0 += t*t
	VFMLA  V5.S4, V5.S4, V17.S4                 // s1 += ...
	VFMLA  V6.S4, V6.S4, V18.S4                 // s2 += ...
	VFMLA  V7.S4, V7.S4, V19.S4                 // s3 += ...
	SUBS   $1, cnt
	BNE    l2r16

l2r4:
	UBFX $2, d, $2, cnt // cnt = (d % 16) / 4
	CBZ  cnt, l2rreduce

l2r4loop:
	VLD1.P 16(qp), [V0.S4]      // q[i:i+4]
	VLD1.P 16(r0), [V4.S4]      // row[i:i+4]
	FSUB_4S(4, 0, 4)            // FSUB V4.4S, V0.4S, V4.4S: t = q - row
	VFMLA  V4.S4, V4.S4, V16.S4 // s0 += t*t
	SUBS   $1, cnt
	BNE    l2r4loop

l2rreduce:
	REDUCE4         // F16 = s
	ANDS $3, d, cnt // cnt = d % 4
	BEQ  l2rstore

l2r1:
	FMOVS.P 4(qp), F0        // q[i]
	FMOVS.P 4(r0), F4        // row[i]
	FSUBS   F4, F0, F4       // u = q[i] - row[i]
	FMADDS  F4, F16, F4, F16 // s += u*u
	SUBS    $1, cnt
	BNE     l2r1

l2rstore:
	FMOVS.P F16, 4(op) // out[r] = s
	MOVD    r0, mp     // r0 ended at the start of row r+1
	SUBS    $1, rcnt
	BNE     l2row

l2done:
	RET
