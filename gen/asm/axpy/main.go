// Command axpy generates asm/axpy_amd64.s and its stubs: Axpy (y += a*x)
// and Scale (x *= a) for AVX2+FMA and AVX-512.
package main

import (
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
		axpy(s, false)
		axpy(s, true)
	}
	Generate()
}

// axpy emits Axpy (y[i] += a*x[i], fused) or, with scale, Scale (x[i] *= a).
func axpy(s *simd.ISA, scale bool) {
	if scale {
		s.Func("scale", "func(a float32, x []float32)", "Scale",
			"It sets x[i] = a*x[i] for every i.")
	} else {
		s.Func("axpy", "func(a float32, x, y []float32)", "Axpy",
			"It sets y[i] += a*x[i] (fused) for i < len(x); len(y) >= len(x).")
	}
	va := s.Vec()
	VBROADCASTSS(NewParamAddr("a", 0), va)
	x := Mem{Base: Load(Param("x").Base(), GP64())}
	dst := x
	if !scale {
		dst = Mem{Base: Load(Param("y").Base(), GP64())}
	}
	n := Load(Param("x").Len(), GP64())

	// op computes v = dst-or-x value updated from x at off, register v
	// already holding the loaded destination (Axpy) or nothing (Scale).
	op := func(xm Mem, v VecVirtual) {
		if scale {
			VMULPS(xm, va, v)
		} else {
			VFMADD231PS(xm, va, v)
		}
	}
	advance := func(bytes int) {
		ADDQ(U32(bytes), x.Base)
		if !scale {
			ADDQ(U32(bytes), dst.Base)
		}
	}

	Label("block")
	CMPQ(n, U32(unroll*s.Lanes))
	JB(LabelRef("single"))
	vs := s.Vecs(unroll)
	for i, v := range vs {
		if !scale {
			VMOVUPS(dst.Offset(i*s.Bytes()), v)
		}
		op(x.Offset(i*s.Bytes()), v)
	}
	for i, v := range vs {
		VMOVUPS(v, dst.Offset(i*s.Bytes()))
	}
	advance(unroll * s.Bytes())
	SUBQ(U32(unroll*s.Lanes), n)
	JMP(LabelRef("block"))

	Label("single")
	CMPQ(n, U32(s.Lanes))
	JB(LabelRef("tail"))
	v := s.Vec()
	if !scale {
		VMOVUPS(dst, v)
	}
	op(x, v)
	VMOVUPS(v, dst)
	advance(s.Bytes())
	SUBQ(U32(s.Lanes), n)
	JMP(LabelRef("single"))

	Comment("The last len(x) % lanes elements, masked: nothing past the end is touched.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	t := s.TailMask(n)
	xv, dv := s.Vec(), s.Vec()
	t.Load(x, xv)
	if scale {
		VMULPS(xv, va, dv)
	} else {
		t.Load(dst, dv)
		VFMADD231PS(xv, va, dv)
	}
	t.Store(dv, dst)

	Label("done")
	simd.Epilogue(nil)
}
