// Command warp generates asm/warp_amd64.s and its stubs: the AVX-512
// kernels behind asm.WarpSums (bilinear samples of an 8-bit RGB image,
// summed over a supersampling grid) and asm.ResizeRow (one row of a
// bilinear resize with precomputed column taps).
//
// One lane per output pixel: for 16 pixels at a time the kernel walks the
// s x s sample grid; each sample floors its coordinates, gathers the four
// taps as dwords (R, G, B and one byte more; a tap at the very end of the
// image is read one byte earlier and shifted), masks taps outside the image
// so they read as zero, and accumulates the weighted channels.
package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

func main() {
	simd.Setup()
	consts()
	warpAVX512()
	resizeAVX512()
	Generate()
}

// paramMem returns the stack address of a parameter component.
func paramMem(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
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
		"It requires len(g), len(b) >= len(r), s >= 1, a valid image with 4 <= len(pix) < 1<<31.")

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
	wv := bcast(paramMem(Param("width")))
	hv := bcast(paramMem(Param("height")))
	sv := bcast(paramMem(Param("stride")))
	s3v := ZMM() // stride + 3
	VPADDD_BCST(cst.Offset(cThree), sv, s3v)
	lim := ZMM() // len(pix) - 4: a tap at a larger offset is read one byte early
	{
		t := GP64()
		MOVQ(paramMem(Param("pix").Len()), t)
		SUBQ(U8(4), t)
		VPBROADCASTD(t.As32(), lim)
	}
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
	sample(x, y, wv, hv, sv, s3v, lim, pix, acc)
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

// sample adds the bilinear sample at (x, y) of each lane to acc.
func sample(x, y, wv, hv, sv, s3v, lim VecVirtual, pix Register, acc []VecVirtual) {
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
	VBROADCASTSS(cst.Offset(cOne), bx)
	VSUBPS(ax, bx, bx)
	VBROADCASTSS(cst.Offset(cOne), by)
	VSUBPS(ay, by, by)

	// Taps inside the image: 0 <= ix < width as unsigned, and so on.
	kx0, kx1, ky0, ky1 := K(), K(), K(), K()
	VPCMPUD(U8(1), wv, ix, kx0) // ix < width (unsigned)
	VPCMPUD(U8(1), hv, iy, ky0)
	t := ZMM()
	VPADDD_BCST(cst.Offset(cIntOne), ix, t)
	VPCMPUD(U8(1), wv, t, kx1) // ix+1 < width
	VPADDD_BCST(cst.Offset(cIntOne), iy, t)
	VPCMPUD(U8(1), hv, t, ky1)

	// p = iy*stride + 3*ix, the byte offset of the top-left tap.
	p := ZMM()
	VPMULLD(sv, iy, p)
	VPMULLD_BCST(cst.Offset(cThree), ix, t)
	VPADDD(t, p, p)

	// tap samples the tap at byte offset p+off (off nil: p itself, three:
	// p+3) valid in lanes kx & ky, with weight wx*wy.
	tap := func(kx, ky Register, off VecVirtual, three bool, wx, wy VecVirtual) {
		q := ZMM()
		switch {
		case three:
			VPADDD_BCST(cst.Offset(cThree), p, q)
		case off == nil:
			VMOVDQU32(p, q)
		default:
			VPADDD(off, p, q)
		}
		kg, kb := K(), K()
		KANDW(kx, ky, kg)
		VPCMPD(U8(6), lim, q, kb)                  // q > len(pix)-4: the last pixel
		VPSUBD_BCST(cst.Offset(cIntOne), q, kb, q) // read it one byte early
		v := ZMM()
		VPXORD(v, v, v)
		VPGATHERDD(Mem{Base: pix, Index: q, Scale: 1}, kg, v) // R | G<<8 | B<<16 | next<<24
		VPSRLD(U8(8), v, kb, v)                               // and drop the byte before it
		w := ZMM()
		VMULPS(wx, wy, w)
		for ch := 0; ch < 3; ch++ {
			c := ZMM()
			if ch == 0 {
				VPANDD_BCST(cst.Offset(cFF), v, c)
			} else {
				VPSRLD(U8(8*ch), v, c)
				VPANDD_BCST(cst.Offset(cFF), c, c)
			}
			VCVTDQ2PS(c, c)
			VFMADD231PS(c, w, acc[ch]) // acc += w * channel
		}
	}
	tap(kx0, ky0, nil, false, bx, by)
	tap(kx1, ky0, nil, true, ax, by)
	tap(kx0, ky1, sv, false, bx, ay)
	tap(kx1, ky1, s3v, false, ax, ay)
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
		MOVQ(paramMem(Param(name).Len()), t)
		SUBQ(U8(4), t)
		VPBROADCASTD(t.As32(), lim[i])
	}
	fy := ZMM()
	VBROADCASTSS(paramMem(Param("fy")), fy)
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
