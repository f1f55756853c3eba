// Command warp generates asm/warp_amd64.s and its stubs: the AVX-512 and
// AVX2 kernels behind asm.WarpSums (bilinear samples of an 8-bit RGB image,
// summed over a supersampling grid), asm.ResizeRow (one row of a bilinear
// resize with precomputed column taps), asm.WarpRows and asm.WarpCols (the
// two separable halves of an axis-aligned warp) and asm.WarpStore.
//
// WarpSums: one lane per output pixel. For 16 pixels at a time (8 at AVX2)
// the kernel walks the s x s sample grid; each sample floors its
// coordinates and reads its taps: at AVX-512 one qword per row of taps
// (R G B R G B and two bytes more, see sampleQ), at AVX2 one dword per tap
// (R, G, B and one byte more; a tap at the very end of the image is read one
// byte earlier and shifted). Taps outside the image weigh 0, and the
// weighted channels accumulate.
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

func main() {
	simd.Setup()
	consts()
	consts8()
	warpAVX512()
	resizeAVX512()
	warpAVX2()
	resizeAVX2()
	for _, l := range simd.Levels() {
		warpRows(l, deinterleaveConsts(l.Lanes))
		warpCols(l)
		warpStore(l, interleaveConsts(l.Lanes))
	}
	Generate()
}

var (
	iota16 = NewDataAddr(Symbol{Name: "warpiota", Static: true}, 0)
	cst    = NewDataAddr(Symbol{Name: "warpconst", Static: true}, 0)
)

// Offsets in warpconst.
const (
	cOne    = 0  // float32 1
	cSixtn  = 4  // float32 16
	cIntOne = 8  // int32 1
	cThree  = 12 // int32 3
	cFF     = 16 // int32 0xff
)

func consts() {
	GLOBL("warpiota", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(math.Float32bits(float32(i)))) // avo prints F32(1) as the integer $(1)
	}
	GLOBL("warpconst", RODATA|NOPTR)
	DATA(cOne, U32(math.Float32bits(1)))
	DATA(cSixtn, U32(math.Float32bits(16)))
	DATA(cIntOne, U32(1))
	DATA(cThree, U32(3))
	DATA(cFF, U32(0xff))
}

func warpAVX512() {
	TEXT("warpSumsAVX512", NOSPLIT, "func(r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32)")
	Pragma("noescape")
	Doc("warpSumsAVX512 is the AVX-512 version of WarpSums; see warp_generic.go.",
		"It requires len(g), len(b) >= len(r), s >= 1, a valid image with 8 <= len(pix) < 1<<31.")

	rp := Load(Param("r").Base(), GP64())
	gp := Load(Param("g").Base(), GP64())
	bp := Load(Param("b").Base(), GP64())
	n := Load(Param("r").Len(), GP64())
	pix := Load(Param("pix").Base(), GP64())
	geom := Load(Param("geom"), GP64())
	gm := func(i int) Mem { return Mem{Base: geom, Disp: 4 * i} }

	bcast := func(m Mem) VecVirtual {
		v := ZMM()
		VPBROADCASTD(m, v)
		return v
	}
	wv := bcast(simd.ParamMem(Param("width")))
	hv := bcast(simd.ParamMem(Param("height")))
	sv := bcast(simd.ParamMem(Param("stride")))
	lim := ZMM() // len(pix) - 8: the last offset a qword can be gathered from
	{
		t := GP64()
		MOVQ(simd.ParamMem(Param("pix").Len()), t)
		SUBQ(U8(8), t)
		VPBROADCASTD(t.As32(), lim)
	}
	qc := qwordConsts()
	uf := ZMM() // the lanes' pixel indices as float32
	VMOVUPS(iota16, uf)

	Label("pixels")
	TESTQ(n, n)
	JZ(LabelRef("done"))

	// Sample (0, 0) of each lane's pixel.
	xu, yu := ZMM(), ZMM()
	VBROADCASTSS(gm(0), xu)
	VBROADCASTSS(gm(1), yu)
	VFMADD231PS_BCST(gm(2), uf, xu) // xu += u*dxu
	VFMADD231PS_BCST(gm(3), uf, yu) // yu += u*dyu
	acc := []VecVirtual{ZMM(), ZMM(), ZMM()}
	for _, a := range acc {
		VPXORD(a, a, a)
	}
	j := Load(Param("s"), GP64())
	Label("rowsamples")
	x, y := ZMM(), ZMM()
	VMOVAPS(xu, x)
	VMOVAPS(yu, y)
	i := Load(Param("s"), GP64())
	Label("samples")
	sampleQ(x, y, wv, hv, sv, lim, pix, acc, qc)
	VADDPS_BCST(gm(4), x, x) // next sample along i
	VADDPS_BCST(gm(5), y, y)
	DECQ(i)
	JNZ(LabelRef("samples"))
	VADDPS_BCST(gm(6), xu, xu) // next sample row j
	VADDPS_BCST(gm(7), yu, yu)
	DECQ(j)
	JNZ(LabelRef("rowsamples"))

	// Store the lanes that are pixels of this call.
	CMPQ(n, U8(16))
	JB(LabelRef("tail"))
	VMOVUPS(acc[0], Mem{Base: rp})
	VMOVUPS(acc[1], Mem{Base: gp})
	VMOVUPS(acc[2], Mem{Base: bp})
	for _, p := range []Register{rp, gp, bp} {
		ADDQ(U8(64), p)
	}
	VADDPS_BCST(cst.Offset(cSixtn), uf, uf)
	SUBQ(U8(16), n)
	JMP(LabelRef("pixels"))

	Label("tail")
	tbl := GP64()
	LEAQ(NewDataAddr(Symbol{Name: "kmask16", Static: true}, 0), tbl)
	k := K()
	KMOVW(Mem{Base: tbl, Index: n, Scale: 2}, k)
	VMOVUPS(acc[0], k, Mem{Base: rp})
	VMOVUPS(acc[1], k, Mem{Base: gp})
	VMOVUPS(acc[2], k, Mem{Base: bp})

	Label("done")
	simd.Epilogue(nil)
}

// warpq holds the AVX-512 sampler's tables: the VPERMT2D indices that
// gather the low and the high dwords of two vectors of qwords into one
// vector each, and the VPSHUFB masks that zero-extend byte c of each dword.
var warpq = NewDataAddr(Symbol{Name: "warpq", Static: true}, 0)

const (
	qLo    = 0   // dword indices 0, 2, ..., 30
	qHi    = 64  // 1, 3, ..., 31
	qByte0 = 128 // VPSHUFB masks for bytes 0, 1, 2 of each dword
)

// qwordTables are the sampler's constants in registers.
type qwordTables struct{ lo, hi, one, zero VecVirtual }

func qwordConsts() qwordTables {
	GLOBL("warpq", RODATA|NOPTR)
	// In offset order: the assembler rejects DATA entries out of order.
	for i := range 16 {
		DATA(qLo+4*i, U32(2*i))
	}
	for i := range 16 {
		DATA(qHi+4*i, U32(2*i+1))
	}
	for c := range 3 {
		for j := range 16 {
			DATA(qByte0+64*c+4*j, U32(0x80808000|uint32(4*(j%4)+c)))
		}
	}
	t := qwordTables{ZMM(), ZMM(), ZMM(), ZMM()}
	VMOVDQU32(warpq.Offset(qLo), t.lo)
	VMOVDQU32(warpq.Offset(qHi), t.hi)
	VBROADCASTSS(cst.Offset(cOne), t.one)
	VPXORD(t.zero, t.zero, t.zero)
	return t
}

var sampleQs int // labels of the emitted samplers

// sampleQ adds the bilinear sample at (x, y) of each lane to acc. For each
// of the two rows of taps it gathers one qword per lane (pixel ix and ix+1:
// R G B R G B and two bytes more) from the offset clamped into the image;
// lanes whose offset was clamped (at the image's first and last bytes)
// shift their qword into place. Taps outside the image get weight 0 (their
// bytes are read from elsewhere in the image, or are shifted-in zeros).
func sampleQ(x, y, wv, hv, sv, lim VecVirtual, pix Register, acc []VecVirtual, qc qwordTables) {
	id := sampleQs
	sampleQs++
	fx, fy := ZMM(), ZMM()
	VRNDSCALEPS(U8(9), x, fx) // floor, no precision exception
	VRNDSCALEPS(U8(9), y, fy)
	ix, iy := ZMM(), ZMM()
	VCVTTPS2DQ(fx, ix) // exact: integral (or out of range: 0x80000000, outside)
	VCVTTPS2DQ(fy, iy)
	ax, ay := ZMM(), ZMM()
	VSUBPS(fx, x, ax) // weight of the right column
	VSUBPS(fy, y, ay) // weight of the bottom row
	bx, by := ZMM(), ZMM()
	VSUBPS(ax, qc.one, bx)
	VSUBPS(ay, qc.one, by)

	// Weights of taps outside the image are 0 (also NaN ones: the
	// position was infinite).
	wx := []VecVirtual{ZMM(), ZMM()}
	wy := []VecVirtual{ZMM(), ZMM()}
	t := ZMM()
	// mask zeroes w outside 0 <= c+off < size (unsigned compare).
	mask := func(c, size, w, src VecVirtual, off bool) {
		k := K()
		if off {
			VPADDD_BCST(cst.Offset(cIntOne), c, t)
			VPCMPUD(U8(1), size, t, k)
		} else {
			VPCMPUD(U8(1), size, c, k)
		}
		VMOVAPS_Z(src, k, w)
	}
	mask(ix, wv, wx[0], bx, false)
	mask(ix, wv, wx[1], ax, true)
	mask(iy, hv, wy[0], by, false)
	mask(iy, hv, wy[1], ay, true)

	// p = iy*stride + 3*ix, the byte offset of the top-left tap.
	p := ZMM()
	VPMULLD(sv, iy, p)
	VPADDD(ix, ix, t)
	VPADDD(ix, t, t)
	VPADDD(t, p, p)

	for r := range 2 {
		q := p
		if r == 1 {
			q = ZMM()
			VPADDD(sv, p, q)
		}
		a := ZMM()
		VPMAXSD(qc.zero, q, a)
		VPMINSD(lim, a, a)
		bad := K()
		VPCMPD(U8(4), a, q, bad) // clamped
		ahi := YMM()
		VEXTRACTI64X4(U8(1), a, ahi)
		qw := []VecVirtual{ZMM(), ZMM()}
		for h, idx := range []Register{a.AsY(), ahi} {
			k := K()
			KXNORW(k, k, k)
			VPXORD(qw[h], qw[h], qw[h])
			VPGATHERDQ(Mem{Base: pix, Index: idx, Scale: 1}, k, qw[h])
		}
		ok := fmt.Sprintf("warpq%dok%d", id, r)
		KORTESTW(bad, bad)
		JZ(LabelRef(ok))
		// Shift the clamped lanes' qwords by (q-a) bytes: right when the
		// offset was past the end, left when it was before the start.
		d := ZMM()
		VPSUBD(a, q, d)
		dhi := YMM()
		VEXTRACTI64X4(U8(1), d, dhi)
		for h, dh := range []Register{d.AsY(), dhi} {
			dq, sh := ZMM(), ZMM()
			VPMOVSXDQ(dh, dq)
			VPMAXSQ(qc.zero, dq, sh)
			VPSLLQ(U8(3), sh, sh)
			VPSRLVQ(sh, qw[h], qw[h])
			VPSUBQ(dq, qc.zero, sh)
			VPMAXSQ(qc.zero, sh, sh)
			VPSLLQ(U8(3), sh, sh)
			VPSLLVQ(sh, qw[h], qw[h])
		}
		Label(ok)

		// The low dwords (R0 G0 B0 R1) and the high ones (G1 B1 . .) of
		// the 16 lanes' qwords, in lane order.
		lo, hi := qw[0], ZMM()
		VMOVDQA64(qw[0], hi)
		VPERMT2D(qw[1], qc.hi, hi)
		VPERMT2D(qw[1], qc.lo, lo)
		for col := range 2 {
			w := ZMM()
			VMULPS(wx[col], wy[r], w)
			for c := range 3 {
				v := ZMM()
				switch e := 3*col + c; {
				case e < 3:
					VPSHUFB(warpq.Offset(qByte0+64*c), lo, v)
				case e == 3:
					VPSRLD(U8(24), lo, v)
				default:
					VPSHUFB(warpq.Offset(qByte0+64*(e-4)), hi, v)
				}
				VCVTDQ2PS(v, v)
				VFMADD231PS(v, w, acc[c])
			}
		}
	}
}

// gatherRGB gathers, in the lanes of k, the dword at byte offset q of the
// row at base: R | G<<8 | B<<16 | next<<24. An offset past lim (the row's
// length - 4) is read one byte early and shifted back.
func gatherRGB(base Register, q, lim VecVirtual, k Register) VecVirtual {
	kg, kb := K(), K()
	KMOVW(k, kg)
	VPCMPD(U8(6), lim, q, kb) // q > lim
	qq := ZMM()
	VMOVDQU32(q, qq)
	VPSUBD_BCST(cst.Offset(cIntOne), qq, kb, qq)
	v := ZMM()
	VPXORD(v, v, v)
	VPGATHERDD(Mem{Base: base, Index: qq, Scale: 1}, kg, v)
	VPSRLD(U8(8), v, kb, v)
	return v
}

// channel extracts byte ch of each lane of v as float32.
func channel(v VecVirtual, ch int) VecVirtual {
	c := ZMM()
	if ch == 0 {
		VPANDD_BCST(cst.Offset(cFF), v, c)
	} else {
		VPSRLD(U8(8*ch), v, c)
		VPANDD_BCST(cst.Offset(cFF), c, c)
	}
	VCVTDQ2PS(c, c)
	return c
}

func resizeAVX512() {
	TEXT("resizeRowAVX512", NOSPLIT, "func(r, g, b []float32, row0, row1 []byte, xoff, xd []int32, xf []float32, fy float32)")
	Pragma("noescape")
	Doc("resizeRowAVX512 is the AVX-512 version of ResizeRow; see resize_generic.go.",
		"It requires xoff, xd, xf, g, b as long as r and 4 <= len(row0), len(row1) < 1<<31.")

	ptrs := []Register{
		Load(Param("r").Base(), GP64()), Load(Param("g").Base(), GP64()), Load(Param("b").Base(), GP64()),
		Load(Param("xoff").Base(), GP64()), Load(Param("xd").Base(), GP64()), Load(Param("xf").Base(), GP64()),
	}
	rp, gp, bp, op, dp, fp := ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5]
	n := Load(Param("r").Len(), GP64())
	row := []Register{Load(Param("row0").Base(), GP64()), Load(Param("row1").Base(), GP64())}
	lim := []VecVirtual{ZMM(), ZMM()}
	for i, name := range []string{"row0", "row1"} {
		t := GP64()
		MOVQ(simd.ParamMem(Param(name).Len()), t)
		SUBQ(U8(4), t)
		VPBROADCASTD(t.As32(), lim[i])
	}
	fy := ZMM()
	VBROADCASTSS(simd.ParamMem(Param("fy")), fy)
	tbl := GP64()
	LEAQ(NewDataAddr(Symbol{Name: "kmask16", Static: true}, 0), tbl)

	Label("resize")
	TESTQ(n, n)
	JZ(LabelRef("resizedone"))
	k := K()
	CMPQ(n, U8(16))
	JB(LabelRef("resizepart"))
	KXNORW(k, k, k) // all 16 lanes
	JMP(LabelRef("resizego"))
	Label("resizepart")
	KMOVW(Mem{Base: tbl, Index: n, Scale: 2}, k)
	Label("resizego")

	a, c, fx := ZMM(), ZMM(), ZMM()
	VMOVDQU32_Z(Mem{Base: op}, k, a)
	VMOVDQU32_Z(Mem{Base: dp}, k, c)
	VPADDD(a, c, c)
	VMOVUPS_Z(Mem{Base: fp}, k, fx)
	// Taps: [row][left, right].
	var taps [2][2]VecVirtual
	for i := range row {
		taps[i][0] = gatherRGB(row[i], a, lim[i], k)
		taps[i][1] = gatherRGB(row[i], c, lim[i], k)
	}
	for ch, p := range []Register{rp, gp, bp} {
		var lerp [2]VecVirtual
		for i := range row {
			l := channel(taps[i][0], ch)
			rt := channel(taps[i][1], ch)
			VSUBPS(l, rt, rt)      // right - left
			VFMADD231PS(rt, fx, l) // left + (right-left)*fx
			lerp[i] = l
		}
		VSUBPS(lerp[0], lerp[1], lerp[1]) // bottom - top
		VFMADD231PS(lerp[1], fy, lerp[0]) // top + (bottom-top)*fy
		VMOVUPS(lerp[0], k, Mem{Base: p})
	}
	CMPQ(n, U8(16))
	JB(LabelRef("resizedone"))
	for _, p := range ptrs {
		ADDQ(U8(64), p)
	}
	SUBQ(U8(16), n)
	JMP(LabelRef("resize"))

	Label("resizedone")
	simd.Epilogue(nil)
}

// AVX2 has no opmasks and 16 registers: the AVX2 kernels keep their
// constants as 8-lane vectors in memory (warpc8) and on the stack, clamp
// gather offsets into the image instead of masking them, and give taps
// outside the image weight 0.

var c8 = NewDataAddr(Symbol{Name: "warpc8", Static: true}, 0)

// Vectors in warpc8, 32 bytes each.
const (
	c8One    = 0   // float32 1
	c8Int1   = 32  // int32 1
	c8Three  = 64  // int32 3
	c8FF     = 96  // int32 0xff
	c8Min    = 128 // int32 -1<<31
	c8Eight  = 160 // int32 8
	c8Zero   = 192 // int32 0
	c8EightF = 224 // float32 8
	c8Iota   = 256 // float32 0..7
)

func consts8() {
	GLOBL("warpc8", RODATA|NOPTR)
	// In offset order: the assembler rejects DATA entries out of order.
	for _, c := range []struct {
		off int
		val func(i int) uint32
	}{
		{c8One, func(int) uint32 { return math.Float32bits(1) }},
		{c8Int1, func(int) uint32 { return 1 }},
		{c8Three, func(int) uint32 { return 3 }},
		{c8FF, func(int) uint32 { return 0xff }},
		{c8Min, func(int) uint32 { return 0x80000000 }},
		{c8Eight, func(int) uint32 { return 8 }},
		{c8Zero, func(int) uint32 { return 0 }},
		{c8EightF, func(int) uint32 { return math.Float32bits(8) }},
		{c8Iota, func(i int) uint32 { return math.Float32bits(float32(i)) }},
	} {
		for i := 0; i < 8; i++ {
			DATA(c.off+4*i, U32(c.val(i)))
		}
	}
}

// bcast8 stores the 32-bit value in the general register t in all 8 lanes
// of the stack vector m.
func bcast8(t Register, m Mem) {
	v := YMM()
	VMOVD(t, v.AsX())
	VPBROADCASTD(v.AsX(), v)
	VMOVDQU(v, m)
}

// gather8 gathers the dword at byte offset q (clamped into [0, lim]) of
// the image at base: R | G<<8 | B<<16 | next<<24, an offset past lim read
// one byte early and shifted back. q is clobbered.
func gather8(base Register, q VecVirtual, lim Mem) VecVirtual {
	big := YMM()
	VPCMPGTD(lim, q, big) // q > lim: -1
	VPADDD(big, q, q)     // read one byte early
	VPMAXSD(c8.Offset(c8Zero), q, q)
	VPMINSD(lim, q, q)
	VPAND(c8.Offset(c8Eight), big, big) // shift 8 where early
	mask, v := YMM(), YMM()
	VPCMPEQD(mask, mask, mask)
	VPXOR(v, v, v)
	VPGATHERDD(mask, Mem{Base: base, Index: q, Scale: 1}, v)
	VPSRLVD(big, v, v)
	return v
}

// channel8 extracts byte ch of each lane of v as float32.
func channel8(v VecVirtual, ch int) VecVirtual {
	c := YMM()
	if ch == 0 {
		VPAND(c8.Offset(c8FF), v, c)
	} else {
		VPSRLD(U8(8*ch), v, c)
		VPAND(c8.Offset(c8FF), c, c)
	}
	VCVTDQ2PS(c, c)
	return c
}

func warpAVX2() {
	TEXT("warpSumsAVX2", NOSPLIT, "func(r, g, b []float32, pix []byte, width, height, stride, s int, geom *[8]float32)")
	Pragma("noescape")
	Doc("warpSumsAVX2 is the AVX2+FMA version of WarpSums; see warp_generic.go.",
		"It requires len(g), len(b) >= len(r), s >= 1, a valid image with 4 <= len(pix) < 1<<31.")

	rp := Load(Param("r").Base(), GP64())
	gp := Load(Param("g").Base(), GP64())
	bp := Load(Param("b").Base(), GP64())
	n := Load(Param("r").Len(), GP64())
	pix := Load(Param("pix").Base(), GP64())
	geom := Load(Param("geom"), GP64())
	gm := func(i int) Mem { return Mem{Base: geom, Disp: 4 * i} }

	// Stack vectors: (width-1)^min and (height-1)^min for the unsigned
	// bounds tests, stride, stride+3, len(pix)-4, the lanes' pixel
	// indices, and the current sample row's coordinates.
	loc := AllocLocal(7 * 32)
	wm, hm, sv, s3v, lim, uf, xu := loc.Offset(0), loc.Offset(32), loc.Offset(64), loc.Offset(96), loc.Offset(128), loc.Offset(160), loc.Offset(192)
	yuLoc := AllocLocal(32)
	t := GP64()
	MOVQ(simd.ParamMem(Param("width")), t)
	DECQ(t)
	XORL(U32(0x80000000), t.As32())
	bcast8(t.As32(), wm)
	MOVQ(simd.ParamMem(Param("height")), t)
	DECQ(t)
	XORL(U32(0x80000000), t.As32())
	bcast8(t.As32(), hm)
	MOVQ(simd.ParamMem(Param("stride")), t)
	bcast8(t.As32(), sv)
	ADDQ(U8(3), t)
	bcast8(t.As32(), s3v)
	MOVQ(simd.ParamMem(Param("pix").Len()), t)
	SUBQ(U8(4), t)
	bcast8(t.As32(), lim)
	{
		v := YMM()
		VMOVUPS(c8.Offset(c8Iota), v)
		VMOVUPS(v, uf)
	}

	Label("pixels")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	{
		// Sample (0, 0) of each lane's pixel.
		x, d := YMM(), YMM()
		VBROADCASTSS(gm(0), x)
		VBROADCASTSS(gm(2), d)
		VFMADD231PS(uf, d, x)
		VMOVUPS(x, xu)
		VBROADCASTSS(gm(1), x)
		VBROADCASTSS(gm(3), d)
		VFMADD231PS(uf, d, x)
		VMOVUPS(x, yuLoc)
	}
	acc := []VecVirtual{YMM(), YMM(), YMM()}
	for _, a := range acc {
		VXORPS(a, a, a)
	}
	j := Load(Param("s"), GP64())
	Label("rowsamples")
	x, y := YMM(), YMM()
	VMOVUPS(xu, x)
	VMOVUPS(yuLoc, y)
	i := Load(Param("s"), GP64())
	Label("samples")
	sample8(x, y, wm, hm, sv, s3v, lim, pix, acc)
	{
		d := YMM()
		VBROADCASTSS(gm(4), d)
		VADDPS(d, x, x)
		VBROADCASTSS(gm(5), d)
		VADDPS(d, y, y)
	}
	DECQ(i)
	JNZ(LabelRef("samples"))
	{
		d, v := YMM(), YMM()
		VBROADCASTSS(gm(6), d)
		VADDPS(xu, d, v)
		VMOVUPS(v, xu)
		VBROADCASTSS(gm(7), d)
		VADDPS(yuLoc, d, v)
		VMOVUPS(v, yuLoc)
	}
	DECQ(j)
	JNZ(LabelRef("rowsamples"))

	CMPQ(n, U8(8))
	JB(LabelRef("tail"))
	VMOVUPS(acc[0], Mem{Base: rp})
	VMOVUPS(acc[1], Mem{Base: gp})
	VMOVUPS(acc[2], Mem{Base: bp})
	for _, p := range []Register{rp, gp, bp} {
		ADDQ(U8(32), p)
	}
	{
		v := YMM()
		VMOVUPS(uf, v)
		VADDPS(c8.Offset(c8EightF), v, v)
		VMOVUPS(v, uf)
	}
	SUBQ(U8(8), n)
	JMP(LabelRef("pixels"))

	Label("tail")
	tm := simd.Levels()[0].TailMask(n)
	tm.Store(acc[0], Mem{Base: rp})
	tm.Store(acc[1], Mem{Base: gp})
	tm.Store(acc[2], Mem{Base: bp})

	Label("done")
	simd.Epilogue(nil)
}

// sample8 adds the bilinear sample at (x, y) of each lane to acc.
func sample8(x, y VecVirtual, wm, hm, sv, s3v, lim Mem, pix Register, acc []VecVirtual) {
	// weights returns the weights of the two taps along one axis, zero
	// where the tap is outside [0, size), and the floor as int32.
	weights := func(c VecVirtual, sizeMinus1 Mem) (w0, w1, ic VecVirtual) {
		f := YMM()
		VROUNDPS(U8(9), c, f) // floor
		ic = YMM()
		VCVTTPS2DQ(f, ic)
		VSUBPS(f, c, f) // a = c - floor: weight of the second tap
		w0 = YMM()
		VMOVUPS(c8.Offset(c8One), w0)
		VSUBPS(f, w0, w0) // 1 - a
		inv := YMM()
		VPXOR(c8.Offset(c8Min), ic, inv)
		VPCMPGTD(sizeMinus1, inv, inv) // ic > size-1 as unsigned: outside
		VPANDN(w0, inv, w0)
		VPADDD(c8.Offset(c8Int1), ic, inv)
		VPXOR(c8.Offset(c8Min), inv, inv)
		VPCMPGTD(sizeMinus1, inv, inv) // ic+1 outside
		VPANDN(f, inv, f)
		return w0, f, ic
	}
	wx0, wx1, ix := weights(x, wm)
	VPMULLD(c8.Offset(c8Three), ix, ix)
	wy0, wy1, iy := weights(y, hm)
	p := iy
	VPMULLD(sv, iy, p)
	VPADDD(ix, p, p) // byte offset of the top-left tap

	tap := func(off *Mem, wx, wy VecVirtual) {
		q := YMM()
		if off == nil {
			VMOVDQU(p, q)
		} else {
			VPADDD(*off, p, q)
		}
		v := gather8(pix, q, lim)
		w := YMM()
		VMULPS(wx, wy, w)
		for ch := 0; ch < 3; ch++ {
			c := channel8(v, ch)
			VFMADD231PS(c, w, acc[ch])
		}
	}
	three := c8.Offset(c8Three)
	tap(nil, wx0, wy0)
	tap(&three, wx1, wy0)
	tap(&sv, wx0, wy1)
	tap(&s3v, wx1, wy1)
}

func resizeAVX2() {
	TEXT("resizeRowAVX2", NOSPLIT, "func(r, g, b []float32, row0, row1 []byte, xoff, xd []int32, xf []float32, fy float32)")
	Pragma("noescape")
	Doc("resizeRowAVX2 is the AVX2+FMA version of ResizeRow; see resize_generic.go.",
		"It requires xoff, xd, xf, g, b as long as r and 4 <= len(row0), len(row1) < 1<<31.")

	ptrs := []Register{
		Load(Param("r").Base(), GP64()), Load(Param("g").Base(), GP64()), Load(Param("b").Base(), GP64()),
		Load(Param("xoff").Base(), GP64()), Load(Param("xd").Base(), GP64()), Load(Param("xf").Base(), GP64()),
	}
	rp, gp, bp, op, dp, fp := ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5]
	n := Load(Param("r").Len(), GP64())
	row := []Register{Load(Param("row0").Base(), GP64()), Load(Param("row1").Base(), GP64())}
	loc := AllocLocal(2 * 32)
	lim := []Mem{loc.Offset(0), loc.Offset(32)}
	for i, name := range []string{"row0", "row1"} {
		t := GP64()
		MOVQ(simd.ParamMem(Param(name).Len()), t)
		SUBQ(U8(4), t)
		bcast8(t.As32(), lim[i])
	}
	fy := YMM()
	VBROADCASTSS(simd.ParamMem(Param("fy")), fy)

	// body interpolates 8 pixels (the first n in the tail, with t).
	body := func(tm *simd.Tail) {
		a, c, fx := YMM(), YMM(), YMM()
		if tm != nil {
			tm.Load(Mem{Base: op}, a) // masked lanes read offset 0
			tm.Load(Mem{Base: dp}, c)
			tm.Load(Mem{Base: fp}, fx)
		} else {
			VMOVDQU(Mem{Base: op}, a)
			VMOVDQU(Mem{Base: dp}, c)
			VMOVUPS(Mem{Base: fp}, fx)
		}
		VPADDD(a, c, c)
		var taps [2][2]VecVirtual
		for i := range row {
			qa, qc := YMM(), YMM()
			VMOVDQU(a, qa)
			VMOVDQU(c, qc)
			taps[i][0] = gather8(row[i], qa, lim[i])
			taps[i][1] = gather8(row[i], qc, lim[i])
		}
		for ch, p := range []Register{rp, gp, bp} {
			var lerp [2]VecVirtual
			for i := range row {
				l := channel8(taps[i][0], ch)
				rt := channel8(taps[i][1], ch)
				VSUBPS(l, rt, rt)
				VFMADD231PS(rt, fx, l)
				lerp[i] = l
			}
			VSUBPS(lerp[0], lerp[1], lerp[1])
			VFMADD231PS(lerp[1], fy, lerp[0])
			if tm != nil {
				tm.Store(lerp[0], Mem{Base: p})
			} else {
				VMOVUPS(lerp[0], Mem{Base: p})
			}
		}
	}

	Label("resize")
	CMPQ(n, U8(8))
	JB(LabelRef("resizetail"))
	body(nil)
	for _, p := range ptrs {
		ADDQ(U8(32), p)
	}
	SUBQ(U8(8), n)
	JMP(LabelRef("resize"))

	Label("resizetail")
	TESTQ(n, n)
	JZ(LabelRef("resizedone"))
	tm := simd.Levels()[0].TailMask(n)
	body(&tm)

	Label("resizedone")
	simd.Epilogue(nil)
}

// deinterleaveTables returns, for channel ch of n-lane vectors A, B, C
// holding 3n interleaved values, where each lane of the channel's vector
// comes from: element i of the channel (interleaved index 3i+ch) lies in
// vector (3i+ch)/n at lane (3i+ch)%n, and these lanes are distinct (3 and n
// are coprime). Blending A, B, C by src puts every element at its lane;
// permuting by perm puts it in order.
func deinterleaveTables(n, ch int) (src, perm []int) {
	src, perm = make([]int, n), make([]int, n)
	for i := range n {
		e := 3*i + ch
		src[e%n] = e / n
		perm[i] = e % n
	}
	return src, perm
}

// Permutations of the deinterleave, one n-lane int32 vector per channel:
// warpdeint16 for AVX-512, warpdeint8 for AVX2.
func deinterleaveConsts(n int) Mem {
	name := fmt.Sprintf("warpdeint%d", n)
	GLOBL(name, RODATA|NOPTR)
	for ch := range 3 {
		_, perm := deinterleaveTables(n, ch)
		for i, p := range perm {
			DATA(4*(ch*n+i), U32(p))
		}
	}
	return NewDataAddr(Symbol{Name: name, Static: true}, 0)
}

// deinterleave splits the interleaved RGB values in a, b, c into planes:
// per channel two blends and one permutation.
func deinterleave(l *simd.ISA, tbl Mem, a, b, c VecVirtual) [3]VecVirtual {
	var out [3]VecVirtual
	n := l.Lanes
	for ch := range 3 {
		src, _ := deinterleaveTables(n, ch)
		var m1, m2 uint16 // lanes from b, from c
		for lane, q := range src {
			switch q {
			case 1:
				m1 |= 1 << lane
			case 2:
				m2 |= 1 << lane
			}
		}
		v := l.Vec()
		if n == 16 {
			k1, k2, t := K(), K(), GP32()
			MOVL(U32(m1), t)
			KMOVW(t, k1)
			MOVL(U32(m2), t)
			KMOVW(t, k2)
			VBLENDMPS(b, a, k1, v)
			VBLENDMPS(c, v, k2, v)
		} else {
			VBLENDPS(U8(m1), b, a, v)
			VBLENDPS(U8(m2), c, v, v)
		}
		perm := l.Vec()
		if n == 16 {
			VMOVDQU32(tbl.Offset(4*n*ch), perm)
		} else {
			VMOVDQU(tbl.Offset(4*n*ch), perm)
		}
		VPERMPS(v, perm, v)
		out[ch] = v
	}
	return out
}

// warpRows emits warpRows<level>: for each group of two vectors of pixels
// (six of interleaved bytes), walk the rows, widening the bytes to float32
// and accumulating them times the row's broadcast weight; then split the
// sums into planes.
func warpRows(l *simd.ISA, tbl Mem) {
	levelFunc(l, "warpRows", "func(r, g, b []float32, pix []byte, stride int, w []float32)", "WarpRows",
		"It requires len(r) a positive multiple of 16, g and b as long as r, len(w) >= 1 and",
		"len(pix) >= (len(w)-1)*stride + 3*len(r).")
	out := []Register{Load(Param("r").Base(), GP64()), Load(Param("g").Base(), GP64()), Load(Param("b").Base(), GP64())}
	n := Load(Param("r").Len(), GP64())
	pix := Load(Param("pix").Base(), GP64())
	stride := Load(Param("stride"), GP64())
	w := Load(Param("w").Base(), GP64())
	nw := Load(Param("w").Len(), GP64())
	lanes := l.Lanes
	// group sums u vectors of pixels from the current position.
	group := func(u int, name string) {
		Label(name)
		CMPQ(n, U32(u*lanes))
		JB(LabelRef(name + "done"))
		acc := l.Vecs(3 * u)
		for _, a := range acc {
			l.Zero(a)
		}
		p, wp, rows := GP64(), GP64(), GP64()
		MOVQ(pix, p)
		MOVQ(w, wp)
		MOVQ(nw, rows)
		Label(name + "row")
		wb := l.Vec()
		VBROADCASTSS(Mem{Base: wp}, wb)
		for q, a := range acc {
			v := l.Vec()
			VPMOVZXBD(Mem{Base: p, Disp: q * lanes}, v)
			VCVTDQ2PS(v, v)
			VFMADD231PS(v, wb, a)
		}
		ADDQ(stride, p)
		ADDQ(U8(4), wp)
		DECQ(rows)
		JNZ(LabelRef(name + "row"))
		for q := range u {
			planes := deinterleave(l, tbl, acc[3*q], acc[3*q+1], acc[3*q+2])
			for ch, v := range planes {
				VMOVUPS(v, Mem{Base: out[ch], Disp: 4 * q * lanes})
			}
		}
		for _, o := range out {
			ADDQ(U32(4*u*lanes), o)
		}
		ADDQ(U32(3*u*lanes), pix)
		SUBQ(U32(u*lanes), n)
		JMP(LabelRef(name))
		Label(name + "done")
	}
	group(2, "rows2"+l.Name)
	group(1, "rows1"+l.Name)
	simd.Epilogue(nil)
}

// warpCols emits warpCols<level>: one lane per output pixel. AVX-512 loads
// the window of each plane that a vector's pixels read into three
// registers when it spans at most 48 pixels, and permutes every tap out of
// it (two-table VPERMT2PS for the first 32, a masked VPERMPS for the rest);
// otherwise, and always at AVX2, it gathers each tap.
func warpCols(l *simd.ISA) {
	levelFunc(l, "warpCols", "func(r, g, b, vr, vg, vb []float32, idx []int32, w []float32, ws, k int)", "WarpCols",
		"It requires len(r) a positive multiple of 16, g, b and idx as long as r, k >= 1,",
		"w at least (k-1)*ws + len(r) long, vr, vg and vb as long as each other, and",
		"0 <= idx[u], idx[u]+k <= len(vr) < 1<<31.")
	ptrs := []Register{
		Load(Param("r").Base(), GP64()), Load(Param("g").Base(), GP64()), Load(Param("b").Base(), GP64()),
		Load(Param("idx").Base(), GP64()), Load(Param("w").Base(), GP64()),
	}
	n := Load(Param("r").Len(), GP64())
	planes := []Mem{simd.ParamMem(Param("vr").Base()), simd.ParamMem(Param("vg").Base()), simd.ParamMem(Param("vb").Base())}
	wsb := Load(Param("ws"), GP64())
	SHLQ(U8(2), wsb) // bytes between taps' weights
	name := "cols" + l.Name
	Label(name)
	ix := l.Vec()
	acc := l.Vecs(3)
	for _, a := range acc {
		l.Zero(a)
	}
	wt, t := GP64(), GP64()
	MOVQ(ptrs[4], wt)
	Load(Param("k"), t)

	// gathered accumulates the taps gathered from the planes.
	gathered := func(label string) {
		vs := []Register{GP64(), GP64(), GP64()}
		for ch, v := range vs {
			MOVQ(planes[ch], v)
		}
		Label(label)
		wv := l.Vec()
		VMOVUPS(Mem{Base: wt}, wv)
		for ch, a := range acc {
			c := l.Vec()
			l.Zero(c) // a gather merges into its destination: break the chain
			m := Mem{Base: vs[ch], Index: ix, Scale: 4}
			if l.Lanes == 16 {
				k := K()
				KXNORW(k, k, k)
				VGATHERDPS(m, k, c)
			} else {
				mask := YMM()
				VPCMPEQD(mask, mask, mask)
				VGATHERDPS(mask, m, c)
			}
			VFMADD231PS(c, wv, a)
		}
		for _, v := range vs {
			ADDQ(U8(4), v)
		}
		ADDQ(wsb, wt)
		DECQ(t)
		JNZ(LabelRef(label))
	}

	if l.Lanes == 8 {
		VMOVDQU(Mem{Base: ptrs[3]}, ix)
		gathered(name + "tap")
	} else {
		VMOVDQU32(Mem{Base: ptrs[3]}, ix)
		// The window: the least and greatest index of the 16 pixels.
		mn, mx, sh := ZMM(), ZMM(), ZMM()
		VMOVDQA32(ix, mn)
		VMOVDQA32(ix, mx)
		for _, step := range []func(){
			func() { VSHUFI64X2(U8(0x4e), mn, mn, sh) },
			func() { VSHUFI64X2(U8(0xb1), mn, mn, sh) },
			func() { VPSHUFD(U8(0x4e), mn, sh) },
			func() { VPSHUFD(U8(0xb1), mn, sh) },
		} {
			step()
			VPMINSD(sh, mn, mn)
		}
		for _, step := range []func(){
			func() { VSHUFI64X2(U8(0x4e), mx, mx, sh) },
			func() { VSHUFI64X2(U8(0xb1), mx, mx, sh) },
			func() { VPSHUFD(U8(0x4e), mx, sh) },
			func() { VPSHUFD(U8(0xb1), mx, sh) },
		} {
			step()
			VPMAXSD(sh, mx, mx)
		}
		base, span := GP64(), GP64()
		VMOVD(mn.AsX(), base.As32())
		VMOVD(mx.AsX(), span.As32())
		SUBQ(base, span)
		ADDQ(t, span) // pixels of the window: max - min + k
		CMPQ(span, U8(48))
		JA(LabelRef(name + "gather"))

		// Masks of the window's three vectors: the first span lanes.
		m := GP64()
		MOVQ(U32(1), m)
		MOVQ(span, RCX)
		SHLQ(CL, m)
		DECQ(m)
		km := []Register{K(), K(), K()}
		for i, k := range km {
			if i > 0 {
				SHRQ(U8(16), m)
			}
			KMOVW(m.As32(), k)
		}
		var win [3][3]VecVirtual // [channel][vector]
		for ch := range 3 {
			p := GP64()
			MOVQ(planes[ch], p)
			for q := range 3 {
				win[ch][q] = ZMM()
				VMOVUPS_Z(Mem{Base: p, Index: base, Scale: 4, Disp: 64 * q}, km[q], win[ch][q])
			}
		}
		it, lim := ZMM(), ZMM()
		VPBROADCASTD(base.As32(), it)
		VPSUBD(it, ix, it) // window index of tap 0
		VPBROADCASTD(cst.Offset(cIntOne), lim)
		ones := ZMM()
		VMOVDQA32(lim, ones)
		VPSLLD(U8(5), lim, lim) // 32
		Label(name + "tap")
		wv := ZMM()
		VMOVUPS(Mem{Base: wt}, wv)
		hi := K()
		VPCMPD(U8(5), lim, it, hi) // it >= 32: the third vector
		for ch, a := range acc {
			c := ZMM()
			VMOVAPS(win[ch][0], c)
			VPERMT2PS(win[ch][1], it, c)
			VPERMPS(win[ch][2], it, hi, c)
			VFMADD231PS(c, wv, a)
		}
		VPADDD(ones, it, it)
		ADDQ(wsb, wt)
		DECQ(t)
		JNZ(LabelRef(name + "tap"))
		JMP(LabelRef(name + "store"))

		Label(name + "gather")
		gathered(name + "gtap")
	}
	Label(name + "store")
	for ch, a := range acc {
		VMOVUPS(a, Mem{Base: ptrs[ch]})
	}
	for _, p := range ptrs {
		ADDQ(U8(4*l.Lanes), p)
	}
	SUBQ(U8(l.Lanes), n)
	JNZ(LabelRef(name))
	simd.Epilogue(nil)
}

// interleaveTables returns, for output vector q of n lanes (values 3n*q/3
// on), the pixel each lane reads (the same lane of every plane's
// permutation) and the lanes of channels 1 and 2.
func interleaveTables(n, q int) (pix []int, m1, m2 uint16) {
	pix = make([]int, n)
	for lane := range n {
		e := n*q + lane
		pix[lane] = e / 3
		switch e % 3 {
		case 1:
			m1 |= 1 << lane
		case 2:
			m2 |= 1 << lane
		}
	}
	return pix, m1, m2
}

// Permutations of the interleave, one n-lane int32 vector per output
// vector: warpint16 for AVX-512, warpint8 for AVX2.
func interleaveConsts(n int) Mem {
	name := fmt.Sprintf("warpint%d", n)
	GLOBL(name, RODATA|NOPTR)
	for q := range 3 {
		pix, _, _ := interleaveTables(n, q)
		for i, p := range pix {
			DATA(4*(q*n+i), U32(p))
		}
	}
	return NewDataAddr(Symbol{Name: name, Static: true}, 0)
}

// warpStore emits warpStore<level>: for each vector of pixels, normalise
// the three planes, then build each of the three output vectors from the
// planes permuted by the same pixel indices (merged by lane masks at
// AVX-512, blended at AVX2).
func warpStore(l *simd.ISA, tbl Mem) {
	levelFunc(l, "warpStore", "func(out, p0, p1, p2 []float32, scale, bias *[3]float32)", "WarpStore",
		"It requires len(p0) a positive multiple of 16, p1 and p2 as long and out three times as long.")
	op := Load(Param("out").Base(), GP64())
	ps := []Register{Load(Param("p0").Base(), GP64()), Load(Param("p1").Base(), GP64()), Load(Param("p2").Base(), GP64())}
	n := Load(Param("p0").Len(), GP64())
	sp, bp := Load(Param("scale"), GP64()), Load(Param("bias"), GP64())
	var sc, bi [3]VecVirtual
	for c := range 3 {
		sc[c], bi[c] = l.Vec(), l.Vec()
		VBROADCASTSS(Mem{Base: sp, Disp: 4 * c}, sc[c])
		VBROADCASTSS(Mem{Base: bp, Disp: 4 * c}, bi[c])
	}
	lanes := l.Lanes
	var perm [3]VecVirtual
	var ks [3][2]Register
	for q := range 3 {
		perm[q] = l.Vec()
		if lanes == 16 {
			VMOVDQU32(tbl.Offset(4*lanes*q), perm[q])
			_, m1, m2 := interleaveTables(lanes, q)
			t := GP32()
			for i, m := range []uint16{m1, m2} {
				ks[q][i] = K()
				MOVL(U32(m), t)
				KMOVW(t, ks[q][i])
			}
		} else {
			VMOVDQU(tbl.Offset(4*lanes*q), perm[q])
		}
	}
	name := "store" + l.Name
	Label(name)
	var v [3]VecVirtual
	for c := range 3 {
		v[c] = l.Vec()
		VMOVUPS(Mem{Base: ps[c]}, v[c])
		VFMADD213PS(bi[c], sc[c], v[c]) // v*scale + bias
	}
	for q := range 3 {
		o := l.Vec()
		VPERMPS(v[0], perm[q], o)
		if lanes == 16 {
			VPERMPS(v[1], perm[q], ks[q][0], o)
			VPERMPS(v[2], perm[q], ks[q][1], o)
		} else {
			_, m1, m2 := interleaveTables(lanes, q)
			t := l.Vec()
			VPERMPS(v[1], perm[q], t)
			VBLENDPS(U8(m1), t, o, o)
			VPERMPS(v[2], perm[q], t)
			VBLENDPS(U8(m2), t, o, o)
		}
		VMOVUPS(o, Mem{Base: op, Disp: 4 * lanes * q})
	}
	ADDQ(U8(12*lanes), op)
	for _, p := range ps {
		ADDQ(U8(4*lanes), p)
	}
	SUBQ(U8(lanes), n)
	JNZ(LabelRef(name))
	simd.Epilogue(nil)
}

// levelFunc starts the function base+level with the given signature and a
// doc comment naming its reference in warp_generic.go.
func levelFunc(l *simd.ISA, base, sig, ref string, doc ...string) {
	name := base + l.Name
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	level := "AVX2+FMA"
	if l.Lanes == 16 {
		level = "AVX-512"
	}
	Doc(append([]string{name + " is the " + level + " version of " + ref + "; see warp_generic.go."}, doc...)...)
}
