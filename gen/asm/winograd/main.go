// Command winograd generates asm/winograd_amd64.s and its stubs: the input
// and output transforms of the Winograd F(2x2, 3x3) convolution behind
// asm.WinogradInput and asm.WinogradOutput (kernels.Conv2DWinograd), for
// AVX2+FMA and AVX-512. Both walk a row of tiles, one vector of channels at
// a time, with the additions in the order of winograd_generic.go, so that
// their results equal the reference's bit for bit.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

func main() {
	simd.Setup()
	for _, s := range simd.Levels() {
		input(s)
		output(s)
	}
	Generate()
}

// byteStride loads parameter name, a count of float32 elements, as bytes,
// and returns it with a register holding three times it (the ld3 of
// rowOf), allocated only if used.
func byteStride(name string) (ld Register, ld3 func() Register) {
	ld = Load(Param(name), GP64())
	SHLQ(U8(2), ld)
	return ld, func() Register {
		r := GP64()
		LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, r)
		return r
	}
}

// rowOf returns row r (0..3) from base: base + r*ld through the index
// registers ld and ld3 = 3*ld.
func rowOf(base, ld, ld3 Register, r int) Mem {
	switch r {
	case 1:
		return Mem{Base: base, Index: ld, Scale: 1}
	case 2:
		return Mem{Base: base, Index: ld, Scale: 2}
	case 3:
		return Mem{Base: base, Index: ld3, Scale: 1}
	}
	return Mem{Base: base}
}

// input emits winogradInput<ISA>: for each tile j < n and channel vector,
// V = B^T d B of the tile's 4x4 pixels d, one row of V at a time (row i of
// B^T d is the sum or difference of two rows of d).
func input(s *simd.ISA) {
	s.Func("winogradInput", "func(v *float32, ldv int, in *float32, ldi, c, n int)", "WinogradInput",
		fmt.Sprintf("n >= 1 and c a positive multiple of %d; strides in elements.", s.Lanes))

	ldv, ld3 := byteStride("ldv")
	ldv3 := ld3()
	ldi, ld3 := byteStride("ldi")
	ldi3 := ld3()
	cb, _ := byteStride("c") // one pixel in bytes
	n := Load(Param("n"), GP64())
	// p[q] addresses pixel q of the tile's first row, o0 matrix 0 of V,
	// at the current channel vector. After a tile's channels they have
	// moved one pixel on: one more is the next tile's (two pixels on in
	// the input, one tile of c on in V).
	var p [4]Register
	for q := range p {
		p[q] = GP64()
	}
	Load(Param("in"), p[0])
	for q := 1; q < 4; q++ {
		LEAQ(Mem{Base: p[q-1], Index: cb, Scale: 1}, p[q])
	}
	o0 := Load(Param("v"), GP64())
	cc := GP64()

	Comment("for j := 0; j < n; j++ (a tile): for ch := 0; ch < c; ch += lanes")
	Label("tile")
	MOVQ(simd.ParamMem(Param("c")), cc)
	Label("chan")
	// Row i of B^T d: d0-d2, d1+d2, d2-d1, d1-d3 (rows of d).
	pair := [4][2]int{{0, 2}, {1, 2}, {2, 1}, {1, 3}}
	o := GP64()
	MOVQ(o0, o)
	for i := 0; i < 4; i++ {
		u := s.Vecs(4)
		for q := 0; q < 4; q++ {
			VMOVUPS(rowOf(p[q], ldi, ldi3, pair[i][0]), u[q])
			if i == 1 {
				VADDPS(rowOf(p[q], ldi, ldi3, pair[i][1]), u[q], u[q])
			} else {
				VSUBPS(rowOf(p[q], ldi, ldi3, pair[i][1]), u[q], u[q])
			}
		}
		// Row i of V, matrices 4i..4i+3: u0-u2, u1+u2, u2-u1, u1-u3.
		w := s.Vecs(4)
		VSUBPS(u[2], u[0], w[0])
		VADDPS(u[2], u[1], w[1])
		VSUBPS(u[1], u[2], w[2])
		VSUBPS(u[3], u[1], w[3])
		for jj := 0; jj < 4; jj++ {
			VMOVUPS(w[jj], rowOf(o, ldv, ldv3, jj))
		}
		if i < 3 {
			LEAQ(Mem{Base: o, Index: ldv, Scale: 4}, o)
		}
	}
	ADDQ(U32(s.Bytes()), o0)
	for q := range p {
		ADDQ(U32(s.Bytes()), p[q])
	}
	SUBQ(U32(s.Lanes), cc)
	JNZ(LabelRef("chan"))

	for q := range p {
		ADDQ(cb, p[q])
	}
	DECQ(n)
	JNZ(LabelRef("tile"))
	simd.Epilogue(nil)
}

// output emits winogradOutput<ISA>: for each tile j < (cols+1)/2 and
// channel vector, Y = A^T M A of the tile's 16 sums, plus bias and
// residual, clamped, stored for output rows < rows and columns < cols.
func output(s *simd.ISA) {
	s.Func("winogradOutput", "func(out *float32, ldo int, m *float32, ldm, c, cols, rows int, bias, res *float32, ldr int, lo, hi float32)", "WinogradOutput",
		fmt.Sprintf("cols >= 1, rows 1 or 2, c a positive multiple of %d, res nil or not; strides in elements.", s.Lanes))

	ldm, ld3 := byteStride("ldm")
	ldm3 := ld3()
	cb, _ := byteStride("c") // one pixel in bytes
	ldo, _ := byteStride("ldo")
	ldr, _ := byteStride("ldr")
	col := Load(Param("cols"), GP64())
	lo, hi := s.Vec(), s.Vec()
	VBROADCASTSS(simd.ParamMem(Param("lo")), lo)
	VBROADCASTSS(simd.ParamMem(Param("hi")), hi)
	// At the current channel vector: mq matrix 0 of M, oq the tile's
	// first output pixel, rq its residual (nil: none), bq the bias. After
	// a tile's channels mq is at the next tile, oq and rq one pixel short
	// of it.
	mq := Load(Param("m"), GP64())
	oq := Load(Param("out"), GP64())
	rq := Load(Param("res"), GP64())
	bq, cc := GP64(), GP64()

	Comment("for j := 0; 2*j < cols; j++ (a tile): for ch := 0; ch < c; ch += lanes")
	Label("tile")
	MOVQ(simd.ParamMem(Param("bias")), bq)
	MOVQ(simd.ParamMem(Param("c")), cc)
	Label("chan")
	// Row i of M A: q0 = m0+m1+m2, q1 = m1-m2-m3 of matrices 4i..4i+3.
	row := GP64()
	MOVQ(mq, row)
	var q [2][4]VecVirtual
	for i := 0; i < 4; i++ {
		m1, m2 := s.Vec(), s.Vec()
		VMOVUPS(rowOf(row, ldm, ldm3, 1), m1)
		VMOVUPS(rowOf(row, ldm, ldm3, 2), m2)
		q0, q1 := s.Vec(), s.Vec()
		VMOVUPS(rowOf(row, ldm, ldm3, 0), q0)
		VADDPS(m1, q0, q0)
		VADDPS(m2, q0, q0)
		VSUBPS(m2, m1, q1)
		VSUBPS(rowOf(row, ldm, ldm3, 3), q1, q1)
		q[0][i], q[1][i] = q0, q1
		if i < 3 {
			LEAQ(Mem{Base: row, Index: ldm, Scale: 4}, row)
		}
	}
	// Y[0][x] = q_x[0]+q_x[1]+q_x[2], Y[1][x] = q_x[1]-q_x[2]-q_x[3];
	// then + bias (+ residual), clamped, stored where the pixel exists.
	bv := s.Vec()
	VMOVUPS(Mem{Base: bq}, bv)
	pixel := func(r, x int) {
		y := s.Vec()
		if r == 0 {
			VADDPS(q[x][1], q[x][0], y)
			VADDPS(q[x][2], y, y)
		} else {
			VSUBPS(q[x][2], q[x][1], y)
			VSUBPS(q[x][3], y, y)
		}
		VADDPS(bv, y, y)
		lbl := fmt.Sprintf("nores%d%d", r, x)
		TESTQ(rq, rq)
		JZ(LabelRef(lbl))
		VADDPS(pixelMem(rq, ldr, cb, r, x), y, y)
		Label(lbl)
		VMAXPS(y, lo, y)
		VMINPS(y, hi, y)
		VMOVUPS(y, pixelMem(oq, ldo, cb, r, x))
	}
	pixel(0, 0)
	CMPQ(col, U8(2))
	JL(LabelRef("row1"))
	pixel(0, 1)
	Label("row1")
	CMPQ(simd.ParamMem(Param("rows")), U8(2))
	JNE(LabelRef("next"))
	pixel(1, 0)
	CMPQ(col, U8(2))
	JL(LabelRef("next"))
	pixel(1, 1)
	Label("next")
	for _, r := range []Register{mq, oq, bq} {
		ADDQ(U32(s.Bytes()), r)
	}
	TESTQ(rq, rq)
	JZ(LabelRef("norq"))
	ADDQ(U32(s.Bytes()), rq)
	Label("norq")
	SUBQ(U32(s.Lanes), cc)
	JNZ(LabelRef("chan"))

	ADDQ(cb, oq)
	TESTQ(rq, rq)
	JZ(LabelRef("noresp"))
	ADDQ(cb, rq)
	Label("noresp")
	SUBQ(U8(2), col)
	JG(LabelRef("tile"))
	simd.Epilogue(nil)
}

// pixelMem addresses output pixel (r, x) of a tile from base: base +
// r*ld + x*cb. Pixel (1, 1) needs two indices; it is addressed from a
// scratch register.
func pixelMem(base, ld, cb Register, r, x int) Mem {
	switch {
	case r == 0 && x == 0:
		return Mem{Base: base}
	case r == 0:
		return Mem{Base: base, Index: cb, Scale: 1}
	case x == 0:
		return Mem{Base: base, Index: ld, Scale: 1}
	}
	t := GP64()
	LEAQ(Mem{Base: base, Index: ld, Scale: 1}, t)
	return Mem{Base: t, Index: cb, Scale: 1}
}
