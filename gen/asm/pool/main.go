// Command pool generates asm/pool_amd64.s and its stubs: the max and
// average pooling row kernels behind asm.MaxPoolRow and asm.AvgPoolRow, for
// AVX2+FMA and AVX-512.
//
// Channels are innermost (NHWC): for each output pixel the kernels walk its
// channels a vector at a time (the last c % lanes masked) and reduce the
// window's rows x cols taps into one register.
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
		pool(s, false)
		pool(s, true)
	}
	Generate()
}

// pool emits maxPoolRow<ISA> or, with avg, avgPoolRow<ISA>.
func pool(s *simd.ISA, avg bool) {
	base, sig, ref := "maxPoolRow", "func(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int)", "MaxPoolRow"
	if avg {
		base, sig, ref = "avgPoolRow", "func(out, in []float32, c, n, cols, rows, stepBytes, rowBytes int, scale float32)", "AvgPoolRow"
	}
	name := base + s.Name
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %s version of %s; see pool_generic.go.", name, s.Name, ref),
		"stepBytes is the input distance between output pixels, rowBytes between rows, in bytes;",
		"c, n, cols, rows >= 1 and slices long enough.")

	outp := Load(Param("out").Base(), GP64())
	inp := Load(Param("in").Base(), GP64())
	c := Load(Param("c"), GP64())
	c4 := GP64()
	MOVQ(c, c4)
	SHLQ(U8(2), c4)
	nfull := GP64()
	MOVQ(c, nfull)
	SHRQ(U8(map[int]uint8{8: 3, 16: 4}[s.Lanes]), nfull)
	rem := GP64()
	MOVQ(c, rem)
	ANDQ(U8(s.Lanes-1), rem)
	j := Load(Param("n"), GP64())

	var scale, negInf VecVirtual
	if avg {
		scale = s.Vec()
		VBROADCASTSS(simd.ParamMem(Param("scale")), scale)
	} else {
		// -Inf, the identity of max.
		negInf = s.Vec()
		t := GP32()
		MOVL(U32(0xff800000), t)
		VMOVD(t, negInf.AsX())
		VBROADCASTSS(negInf.AsX(), negInf)
	}

	// The tail mask, built once (TailMask needs 0 < rem < lanes).
	var tm simd.Tail
	TESTQ(rem, rem)
	JZ(LabelRef("pixel"))
	tm = s.TailMask(rem)

	Label("pixel")
	po, pi, cnt := GP64(), GP64(), GP64()
	MOVQ(outp, po)
	MOVQ(inp, pi)
	MOVQ(nfull, cnt)

	body := func(pfx string, masked bool) {
		load := func(m Mem, v VecVirtual) {
			if masked {
				tm.Load(m, v)
			} else {
				VMOVUPS(m, v)
			}
		}
		acc := s.Vec()
		var nanY VecVirtual // AVX2: lanes that saw a NaN (all ones)
		var nanK Register   // AVX-512: the same as a mask
		if avg {
			s.Zero(acc)
		} else {
			VMOVAPS(negInf, acc)
			if s.Lanes == 16 {
				nanK = K()
				KXORW(nanK, nanK, nanK)
			} else {
				nanY = s.Vec()
				VXORPS(nanY, nanY, nanY)
			}
		}
		rp, r, tp, k := GP64(), GP64(), GP64(), GP64()
		MOVQ(pi, rp)
		MOVQ(simd.ParamMem(Param("rows")), r)
		Label(pfx + "rows")
		MOVQ(rp, tp)
		MOVQ(simd.ParamMem(Param("cols")), k)
		Label(pfx + "cols")
		x := s.Vec()
		load(Mem{Base: tp}, x)
		if avg {
			VADDPS(x, acc, acc)
		} else {
			VMAXPS(x, acc, acc)
			// x86 max drops a NaN already in acc: remember NaN lanes.
			if s.Lanes == 16 {
				kx := K()
				VCMPPS(U8(3), x, x, kx) // unordered: x is NaN
				KORW(kx, nanK, nanK)
			} else {
				m := s.Vec()
				VCMPPS(U8(3), x, x, m)
				VORPS(m, nanY, nanY)
			}
		}
		ADDQ(c4, tp)
		DECQ(k)
		JNZ(LabelRef(pfx + "cols"))
		ADDQ(simd.ParamMem(Param("rowBytes")), rp)
		DECQ(r)
		JNZ(LabelRef(pfx + "rows"))
		if avg {
			VMULPS(scale, acc, acc)
		} else if s.Lanes == 16 {
			VPTERNLOGD(U8(0xff), acc, acc, nanK, acc) // NaN lanes = all ones (a NaN)
		} else {
			VORPS(nanY, acc, acc) // NaN lanes = all ones (a NaN)
		}
		if masked {
			tm.Store(acc, Mem{Base: po})
		} else {
			VMOVUPS(acc, Mem{Base: po})
		}
	}

	Label("full")
	TESTQ(cnt, cnt)
	JZ(LabelRef("tail"))
	body("f", false)
	ADDQ(U8(s.Bytes()), po)
	ADDQ(U8(s.Bytes()), pi)
	DECQ(cnt)
	JMP(LabelRef("full"))

	Label("tail")
	TESTQ(rem, rem)
	JZ(LabelRef("next"))
	body("t", true)

	Label("next")
	ADDQ(c4, outp)
	ADDQ(simd.ParamMem(Param("stepBytes")), inp)
	DECQ(j)
	JNZ(LabelRef("pixel"))
	simd.Epilogue(nil)
}
