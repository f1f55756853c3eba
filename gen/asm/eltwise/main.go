// Command eltwise generates asm/eltwise_amd64.s and its stubs: the fused
// add-and-clamp and the clamp behind asm.AddClamp and asm.Clamp (residual
// adds, ReLU, ReLU6), for AVX2+FMA and AVX-512.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

// unroll is the number of registers per main-loop iteration.
const unroll = 4

func main() {
	simd.Setup()
	for _, s := range simd.Levels() {
		eltwise(s, true)
		eltwise(s, false)
	}
	Generate()
}

// eltwise emits addClamp<ISA> (out = clamp(a+b)) or clamp<ISA> (out =
// clamp(in)); clamp(v) = min(max(v, lo), hi) with v as the second source of
// both, so that a NaN in v is kept (x86 returns the second source when
// either is NaN).
func eltwise(s *simd.ISA, add bool) {
	name, sig, ref := "clamp"+s.Name, "func(out, in []float32, lo, hi float32)", "Clamp"
	if add {
		name, sig, ref = "addClamp"+s.Name, "func(out, a, b []float32, lo, hi float32)", "AddClamp"
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %s version of %s; see eltwise_generic.go.", name, s.Name, ref),
		"The inputs' length is n; out (and b) hold at least n elements.")

	out := Mem{Base: Load(Param("out").Base(), GP64())}
	var x, y Mem
	var n Register
	if add {
		x = Mem{Base: Load(Param("a").Base(), GP64())}
		y = Mem{Base: Load(Param("b").Base(), GP64())}
		n = Load(Param("a").Len(), GP64())
	} else {
		x = Mem{Base: Load(Param("in").Base(), GP64())}
		n = Load(Param("in").Len(), GP64())
	}
	lo, hi := s.Vec(), s.Vec()
	VBROADCASTSS(simd.ParamMem(Param("lo")), lo)
	VBROADCASTSS(simd.ParamMem(Param("hi")), hi)

	op := func(v VecVirtual, off int) {
		VMOVUPS(x.Offset(off), v)
		if add {
			VADDPS(y.Offset(off), v, v)
		}
		VMAXPS(v, lo, v)
		VMINPS(v, hi, v)
	}
	advance := func(bytes int) {
		ADDQ(U32(bytes), out.Base)
		ADDQ(U32(bytes), x.Base)
		if add {
			ADDQ(U32(bytes), y.Base)
		}
	}

	Label("block")
	CMPQ(n, U32(unroll*s.Lanes))
	JB(LabelRef("single"))
	vs := s.Vecs(unroll)
	for i, v := range vs {
		op(v, i*s.Bytes())
	}
	for i, v := range vs {
		VMOVUPS(v, out.Offset(i*s.Bytes()))
	}
	advance(unroll * s.Bytes())
	SUBQ(U32(unroll*s.Lanes), n)
	JMP(LabelRef("block"))

	Label("single")
	CMPQ(n, U32(s.Lanes))
	JB(LabelRef("tail"))
	v := s.Vec()
	op(v, 0)
	VMOVUPS(v, out)
	advance(s.Bytes())
	SUBQ(U32(s.Lanes), n)
	JMP(LabelRef("single"))

	Comment("The last n % lanes elements, masked: nothing past the end is touched.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	t := s.TailMask(n)
	w := s.Vec()
	t.Load(x, w)
	if add {
		u := s.Vec()
		t.Load(y, u)
		VADDPS(u, w, w)
	}
	VMAXPS(w, lo, w)
	VMINPS(w, hi, w)
	t.Store(w, out)

	Label("done")
	simd.Epilogue(nil)
}
