//go:build gc && !purego && !noasm

#include "textflag.h"

// NEON transforms of the Winograd F(2x2, 3x3) convolution: see winograd.go
// for their meaning and winograd_generic.go for the references. One vector
// holds 4 consecutive channels of a pixel (c is a multiple of 4: the Go
// adapter in winograd_dispatch_arm64.go sends other counts to the generic
// code). Both kernels walk a row of tiles, tile by tile, and within a tile
// its channels 4 at a time, with the additions in the reference's order
// (Go's a + b + c is (a + b) + c), so that the results equal the
// reference's bit for bit.

// Instructions the Go arm64 assembler lacks, encoded from the Arm ARM.
// d, n, m are vector register numbers (0-31).

// FADD Vd.4S, Vn.4S, Vm.4S (Vd = Vn + Vm)
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))

// FSUB Vd.4S, Vn.4S, Vm.4S (Vd = Vn - Vm)
#define FSUB_4S(d, n, m) WORD $(0x4EA0D400 | (m)<<16 | (n)<<5 | (d))

// FMAX Vd.4S, Vn.4S, Vm.4S (NaN in either operand gives NaN)
#define FMAX_4S(d, n, m) WORD $(0x4E20F400 | (m)<<16 | (n)<<5 | (d))

// FMIN Vd.4S, Vn.4S, Vm.4S (NaN in either operand gives NaN)
#define FMIN_4S(d, n, m) WORD $(0x4EA0F400 | (m)<<16 | (n)<<5 | (d))

// winogradInputNEON registers. Vectors: V0-V15 the tile's 4x4 pixels d at
// the channel group, d[r][q] in V(4r+q); V16-V19 row i of B^T d, u[i][q]
// in V(16+q); V20-V23 row i of V = (B^T d) B, matrices 4i..4i+3.
#define vp R0   // &v[matrix 0, tile j, channel group]
#define ip R1   // &in[row 0, pixel 2j, channel group]
#define ldvb R2 // bytes between matrices of V (4*ldv)
#define ldib R3 // bytes between input rows (4*ldi)
#define c4 R4   // bytes per pixel (4*c)
#define nt R5   // tiles left
#define cc R6   // channels left in the tile
#define r0 R7   // input row 0, pixel q (loads step one pixel on)
#define r1 R8   // input row 1, pixel q
#define r2 R9   // input row 2, pixel q
#define r3 R10  // input row 3, pixel q
#define vo R11  // V matrix 4i+q (stores step one matrix on)

// ROW_TIMES_B: row i of V from row i of B^T d in V16-V19 (u0-u2, u1+u2,
// u2-u1, u1-u3) into V20-V23, stored to matrices 4i..4i+2 with vo stepping
// on; the caller stores V23 (to matrix 4i+3).
#define ROW_TIMES_B \
	FSUB_4S(20, 16, 18); \
	FADD_4S(21, 17, 18); \
	FSUB_4S(22, 18, 17); \
	FSUB_4S(23, 17, 19); \
	VST1.P [V20.S4], (vo)(ldvb); \
	VST1.P [V21.S4], (vo)(ldvb); \
	VST1.P [V22.S4], (vo)(ldvb)

// func winogradInputNEON(v *float32, ldv int, in *float32, ldi int, c int, n int)
TEXT ·winogradInputNEON(SB), NOSPLIT, $0-48
	MOVD v+0(FP), vp
	MOVD ldv+8(FP), ldvb
	LSL  $2, ldvb
	MOVD in+16(FP), ip
	MOVD ldi+24(FP), ldib
	LSL  $2, ldib
	MOVD c+32(FP), c4
	LSL  $2, c4
	MOVD n+40(FP), nt

	// for j := 0; j < n; j++ (a tile): for ch := 0; ch < c; ch += 4
intile:
	MOVD c+32(FP), cc

inchan:
	// d: the 4 pixels of each of the tile's 4 input rows.
	MOVD   ip, r0
	ADD    ldib, r0, r1
	ADD    ldib, r1, r2
	ADD    ldib, r2, r3
	VLD1.P (r0)(c4), [V0.S4]
	VLD1.P (r0)(c4), [V1.S4]
	VLD1.P (r0)(c4), [V2.S4]
	VLD1   (r0), [V3.S4]
	VLD1.P (r1)(c4), [V4.S4]
	VLD1.P (r1)(c4), [V5.S4]
	VLD1.P (r1)(c4), [V6.S4]
	VLD1   (r1), [V7.S4]
	VLD1.P (r2)(c4), [V8.S4]
	VLD1.P (r2)(c4), [V9.S4]
	VLD1.P (r2)(c4), [V10.S4]
	VLD1   (r2), [V11.S4]
	VLD1.P (r3)(c4), [V12.S4]
	VLD1.P (r3)(c4), [V13.S4]
	VLD1.P (r3)(c4), [V14.S4]
	VLD1   (r3), [V15.S4]
	MOVD   vp, vo

	// Row 0 of B^T d: u[0][q] = d[0][q] - d[2][q].
	FSUB_4S(16, 0, 8)
	FSUB_4S(17, 1, 9)
	FSUB_4S(18, 2, 10)
	FSUB_4S(19, 3, 11)
	// Row i of V (here and below): u0-u2, u1+u2, u2-u1, u1-u3, to
	// matrices 4i..4i+3, one after another ldv apart.
	ROW_TIMES_B
	VST1.P [V23.S4], (vo)(ldvb)

	// Row 1: u[1][q] = d[1][q] + d[2][q].
	FADD_4S(16, 4, 8)
	FADD_4S(17, 5, 9)
	FADD_4S(18, 6, 10)
	FADD_4S(19, 7, 11)
	ROW_TIMES_B
	VST1.P [V23.S4], (vo)(ldvb)

	// Row 2: u[2][q] = d[2][q] - d[1][q].
	FSUB_4S(16, 8, 4)
	FSUB_4S(17, 9, 5)
	FSUB_4S(18, 10, 6)
	FSUB_4S(19, 11, 7)
	ROW_TIMES_B
	VST1.P [V23.S4], (vo)(ldvb)

	// Row 3: u[3][q] = d[1][q] - d[3][q].
	FSUB_4S(16, 4, 12)
	FSUB_4S(17, 5, 13)
	FSUB_4S(18, 6, 14)
	FSUB_4S(19, 7, 15)
	ROW_TIMES_B
	VST1   [V23.S4], (vo)

	ADD  $16, vp // next channel group
	ADD  $16, ip
	SUBS $4, cc
	BNE  inchan

	// vp is at the next tile's channel 0 (a tile is c elements of each
	// matrix); ip one pixel on from the tile's, and the next tile starts
	// two pixels on.
	ADD  c4, ip
	SUBS $1, nt
	BNE  intile
	RET

// The output kernel keeps these two names in other registers.
#undef c4
#undef cc

// winogradOutputNEON registers. Vectors: V0-V15 the tile's 16 sums M at
// the channel group, m[4i+q] in V(4i+q), then V0-V3 the outputs Y[0][0],
// Y[0][1], Y[1][0], Y[1][1]; V16-V19 q[0][i] and V20-V23 q[1][i], the
// columns of M A; V24 bias; V25 a residual; V30 lo; V31 hi.
#define op R0    // &out[row 0, pixel 2j, channel group]
#define mp R1    // &m[matrix 0, tile j, channel group]
#define rp R2    // &res[row 0, pixel 2j, channel group], or 0 (nil: none)
#define bp R3    // &bias[channel group]
#define c4 R4    // bytes per pixel (4*c)
#define ldmb R5  // bytes between matrices of M (4*ldm)
#define ldob R6  // bytes between output rows (4*ldo)
#define ldrb R7  // bytes between residual rows (4*ldr)
#define col R8   // columns left from the tile's first (cols - 2j)
#define nr R9    // output rows, 1 or 2
#define cc R10   // channels left in the tile
#define mt R11   // M matrix k (loads step one matrix on)
#define t R12    // output pixel of rows 0-1, columns 0-1
#define tr R13   // residual pixel of rows 0-1, columns 0-1

// func winogradOutputNEON(out *float32, ldo int, m *float32, ldm int, c int, cols int, rows int, bias *float32, res *float32, ldr int, lo float32, hi float32)
TEXT ·winogradOutputNEON(SB), NOSPLIT, $0-88
	MOVD  out+0(FP), op
	MOVD  ldo+8(FP), ldob
	LSL   $2, ldob
	MOVD  m+16(FP), mp
	MOVD  ldm+24(FP), ldmb
	LSL   $2, ldmb
	MOVD  c+32(FP), c4
	LSL   $2, c4
	MOVD  cols+40(FP), col
	MOVD  rows+48(FP), nr
	MOVD  res+64(FP), rp
	MOVD  ldr+72(FP), ldrb
	LSL   $2, ldrb
	FMOVS lo+80(FP), F30
	VDUP  V30.S[0], V30.S4 // lo in every lane
	FMOVS hi+84(FP), F31
	VDUP  V31.S[0], V31.S4 // hi in every lane

	// for j := 0; 2*j < cols; j++ (a tile): for ch := 0; ch < c; ch += 4
outtile:
	MOVD bias+56(FP), bp
	MOVD c+32(FP), cc

outchan:
	// M: the 16 matrices, ldm apart.
	MOVD   mp, mt
	VLD1.P (mt)(ldmb), [V0.S4]
	VLD1.P (mt)(ldmb), [V1.S4]
	VLD1.P (mt)(ldmb), [V2.S4]
	VLD1.P (mt)(ldmb), [V3.S4]
	VLD1.P (mt)(ldmb), [V4.S4]
	VLD1.P (mt)(ldmb), [V5.S4]
	VLD1.P (mt)(ldmb), [V6.S4]
	VLD1.P (mt)(ldmb), [V7.S4]
	VLD1.P (mt)(ldmb), [V8.S4]
	VLD1.P (mt)(ldmb), [V9.S4]
	VLD1.P (mt)(ldmb), [V10.S4]
	VLD1.P (mt)(ldmb), [V11.S4]
	VLD1.P (mt)(ldmb), [V12.S4]
	VLD1.P (mt)(ldmb), [V13.S4]
	VLD1.P (mt)(ldmb), [V14.S4]
	VLD1   (mt), [V15.S4]
	VLD1   (bp), [V24.S4]

	// Columns of M A, row i from matrices 4i..4i+3 (m0-m3):
	// q[0][i] = m0+m1+m2, q[1][i] = m1-m2-m3.
	FADD_4S(16, 0, 1)
	FADD_4S(16, 16, 2)
	FSUB_4S(20, 1, 2)
	FSUB_4S(20, 20, 3)
	FADD_4S(17, 4, 5)
	FADD_4S(17, 17, 6)
	FSUB_4S(21, 5, 6)
	FSUB_4S(21, 21, 7)
	FADD_4S(18, 8, 9)
	FADD_4S(18, 18, 10)
	FSUB_4S(22, 9, 10)
	FSUB_4S(22, 22, 11)
	FADD_4S(19, 12, 13)
	FADD_4S(19, 19, 14)
	FSUB_4S(23, 13, 14)
	FSUB_4S(23, 23, 15)

	// Y = A^T (M A), all four pixels (those past cols or rows are not
	// stored): Y[0][x] = q[x][0]+q[x][1]+q[x][2],
	// Y[1][x] = q[x][1]-q[x][2]-q[x][3]; then + bias.
	FADD_4S(0, 16, 17)
	FADD_4S(0, 0, 18)
	FADD_4S(1, 20, 21)
	FADD_4S(1, 1, 22)
	FSUB_4S(2, 17, 18)
	FSUB_4S(2, 2, 19)
	FSUB_4S(3, 21, 22)
	FSUB_4S(3, 3, 23)
	FADD_4S(0, 0, 24)
	FADD_4S(1, 1, 24)
	FADD_4S(2, 2, 24)
	FADD_4S(3, 3, 24)

	// Each pixel that exists: + residual (read before the store, which
	// may overwrite it), clamped to [lo, hi], stored.
	// Pixel (0, 0).
	CBZ  rp, nores00
	VLD1 (rp), [V25.S4]
	FADD_4S(0, 0, 25)
nores00:
	FMAX_4S(0, 0, 30)
	FMIN_4S(0, 0, 31)
	VST1 [V0.S4], (op)

	// Pixel (0, 1), if 2j+1 < cols.
	CMP  $2, col
	BLT  row1
	CBZ  rp, nores01
	ADD  c4, rp, tr
	VLD1 (tr), [V25.S4]
	FADD_4S(1, 1, 25)
nores01:
	FMAX_4S(1, 1, 30)
	FMIN_4S(1, 1, 31)
	ADD  c4, op, t
	VST1 [V1.S4], (t)

row1:
	// Pixels (1, 0) and (1, 1), if rows is 2.
	CMP  $2, nr
	BNE  outnext
	CBZ  rp, nores10
	ADD  ldrb, rp, tr
	VLD1 (tr), [V25.S4]
	FADD_4S(2, 2, 25)
nores10:
	FMAX_4S(2, 2, 30)
	FMIN_4S(2, 2, 31)
	ADD  ldob, op, t
	VST1 [V2.S4], (t)

	CMP  $2, col
	BLT  outnext
	CBZ  rp, nores11
	ADD  ldrb, rp, tr
	ADD  c4, tr
	VLD1 (tr), [V25.S4]
	FADD_4S(3, 3, 25)
nores11:
	FMAX_4S(3, 3, 30)
	FMIN_4S(3, 3, 31)
	ADD  ldob, op, t
	ADD  c4, t
	VST1 [V3.S4], (t)

outnext:
	// Next channel group (rp stays 0 without a residual).
	ADD  $16, mp
	ADD  $16, op
	ADD  $16, bp
	CBZ  rp, norp
	ADD  $16, rp
norp:
	SUBS $4, cc
	BNE  outchan

	// mp is at the next tile's channel 0; op and rp one pixel on from
	// the tile's, and the next tile starts two pixels on.
	ADD  c4, op
	CBZ  rp, norpt
	ADD  c4, rp
norpt:
	SUBS $2, col
	BGT  outtile
	RET
