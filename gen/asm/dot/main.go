// Command dot generates asm/dot_amd64.s and its stubs: Dot and SumSquares
// for AVX2+FMA and AVX-512.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

// unroll is the number of independent accumulators in the main loop: enough
// to cover FMA latency at two FMAs per cycle.
const unroll = 4

func main() {
	simd.Setup()
	for _, s := range simd.Levels() {
		dot(s, false)
		dot(s, true)
	}
	Generate()
}

// dot emits Dot (x . y) or, with square, SumSquares (x . x).
func dot(s *simd.ISA, square bool) {
	if square {
		s.Func("sumSquares", "func(x []float32) float32", "SumSquares",
			"It returns the sum of x[i]*x[i] over x.")
	} else {
		s.Func("dot", "func(x, y []float32) float32", "Dot",
			"It returns the sum of x[i]*y[i] for i < len(x); len(y) >= len(x).")
	}
	x := Mem{Base: Load(Param("x").Base(), GP64())}
	y := x
	if !square {
		y = Mem{Base: Load(Param("y").Base(), GP64())}
	}
	n := Load(Param("x").Len(), GP64())

	acc := s.Vecs(unroll)
	for _, a := range acc {
		s.Zero(a)
	}
	// fma accumulates x[off:] * y[off:] (one register) into a.
	fma := func(off int, a VecVirtual) {
		v := s.Vec()
		VMOVUPS(x.Offset(off), v)
		if square {
			VFMADD231PS(v, v, a)
		} else {
			VFMADD231PS(y.Offset(off), v, a)
		}
	}
	advance := func(bytes int) {
		ADDQ(U32(bytes), x.Base)
		if !square {
			ADDQ(U32(bytes), y.Base)
		}
	}

	Comment("Blocks of unroll registers, one accumulator each.")
	Label("block")
	CMPQ(n, U32(unroll*s.Lanes))
	JB(LabelRef("single"))
	for i, a := range acc {
		fma(i*s.Bytes(), a)
	}
	advance(unroll * s.Bytes())
	SUBQ(U32(unroll*s.Lanes), n)
	JMP(LabelRef("block"))

	Comment("Whole registers.")
	Label("single")
	CMPQ(n, U32(s.Lanes))
	JB(LabelRef("tail"))
	fma(0, acc[0])
	advance(s.Bytes())
	SUBQ(U32(s.Lanes), n)
	JMP(LabelRef("single"))

	Comment("The last len(x) % lanes elements, masked: nothing past the end is read.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("reduce"))
	t := s.TailMask(n)
	xv := s.Vec()
	t.Load(x, xv)
	if square {
		VFMADD231PS(xv, xv, acc[1])
	} else {
		yv := s.Vec()
		t.Load(y, yv)
		VFMADD231PS(yv, xv, acc[1])
	}

	Label("reduce")
	simd.Epilogue(s.Horizontal(simd.Sum(acc)))
}
