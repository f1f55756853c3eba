// Command batch generates asm/batch_amd64.s and its stubs: DotBatch,
// SquaredL2Batch and CosineBatch (one query against many contiguous rows)
// for AVX2+FMA and AVX-512.
package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

const (
	// rows is the number of rows reduced together.
	rows = 4
	// unroll is the number of accumulators per row (and registers per inner
	// iteration); successive rows' chains are independent, so out-of-order
	// execution overlaps them to cover FMA latency.
	unroll = 2
)

// kind selects what a batch kernel stores per row.
type kind int

const (
	dotKind    kind = iota // q . row
	l2Kind                 // |q - row|^2
	cosineKind             // 1 - q . row: cosine distance of unit vectors
)

func main() {
	simd.Setup()
	one := GLOBL("one", RODATA|NOPTR)
	DATA(0, U32(math.Float32bits(1)))
	for _, s := range simd.Levels() {
		batch(s, dotKind, one)
		batch(s, l2Kind, one)
		batch(s, cosineKind, one)
	}
	Generate()
}

// batch emits DotBatch, SquaredL2Batch or CosineBatch; one is the float32
// constant 1.
func batch(s *simd.ISA, k kind, one Mem) {
	l2 := k == l2Kind
	switch k {
	case l2Kind:
		s.Func("squaredL2Batch", "func(q, m, out []float32)", "SquaredL2Batch",
			"For r < len(out) it sets out[r] to |q - m[r*len(q):(r+1)*len(q)]|^2;",
			"len(m) >= len(out)*len(q).")
	case cosineKind:
		s.Func("cosineBatch", "func(q, m, out []float32)", "CosineBatch",
			"For r < len(out) it sets out[r] = 1 - q . m[r*len(q):(r+1)*len(q)];",
			"len(m) >= len(out)*len(q).")
	default:
		s.Func("dotBatch", "func(q, m, out []float32)", "DotBatch",
			"For r < len(out) it sets out[r] = q . m[r*len(q):(r+1)*len(q)];",
			"len(m) >= len(out)*len(q).")
	}
	// finish turns the row sums in x into what the kernel stores.
	finish := func(x Register) {
		if k == cosineKind {
			ones := XMM()
			VBROADCASTSS(one, ones)
			VSUBPS(x, ones, x) // x = 1 - x
		}
	}
	q := Load(Param("q").Base(), GP64())
	d := Load(Param("q").Len(), GP64())
	m := Load(Param("m").Base(), GP64())
	out := Load(Param("out").Base(), GP64())
	nrows := Load(Param("out").Len(), GP64())

	stride := GP64() // bytes per row
	MOVQ(d, stride)
	SHLQ(U8(2), stride)
	full := GP64() // elements covered by whole registers
	MOVQ(d, full)
	ANDQ(I32(-s.Lanes), full) // clears the low bits: round down to whole registers
	rem := GP64()
	MOVQ(d, rem)
	ANDQ(U32(s.Lanes-1), rem)

	// The tail mask is the same for every row: build it once when needed.
	var tail simd.Tail
	TESTQ(rem, rem)
	JZ(LabelRef("start"))
	tail = s.TailMask(rem)
	Label("start")

	// accumulate adds one register's worth of the row at row into a: the
	// product with the query chunk qv, or the squared difference.
	accumulate := func(qv VecVirtual, row Mem, a VecVirtual) {
		if l2 {
			t := s.Vec()
			VSUBPS(row, qv, t)
			VFMADD231PS(t, t, a)
		} else {
			VFMADD231PS(row, qv, a)
		}
	}
	at := func(base, i Register, disp int) Mem {
		return Mem{Base: base, Index: i, Scale: 4, Disp: disp}
	}
	// row emits the loop over one row at rp into the unroll accumulators
	// acc (already zeroed): whole blocks, whole registers, then the masked
	// tail. Rows are read front to back, one after the other, so the
	// hardware prefetchers see one sequential stream; the query, reloaded
	// for each row, stays in L1.
	row := func(rp Register, acc []VecVirtual, id string) {
		i := GP64()
		XORQ(i, i)
		Label("block" + id)
		lim := GP64()
		LEAQ(Mem{Base: i, Disp: unroll * s.Lanes}, lim)
		CMPQ(lim, full)
		JA(LabelRef("single" + id))
		for u := 0; u < unroll; u++ {
			qv := s.Vec()
			VMOVUPS(at(q, i, u*s.Bytes()), qv)
			accumulate(qv, at(rp, i, u*s.Bytes()), acc[u])
		}
		ADDQ(U32(unroll*s.Lanes), i)
		JMP(LabelRef("block" + id))
		Label("single" + id)
		CMPQ(i, full)
		JAE(LabelRef("tail" + id))
		qv := s.Vec()
		VMOVUPS(at(q, i, 0), qv)
		accumulate(qv, at(rp, i, 0), acc[0])
		ADDQ(U32(s.Lanes), i)
		JMP(LabelRef("single" + id))
		Label("tail" + id)
		TESTQ(rem, rem)
		JZ(LabelRef("end" + id))
		qt, rt := s.Vec(), s.Vec()
		tail.Load(at(q, i, 0), qt)
		tail.Load(at(rp, i, 0), rt)
		if l2 {
			VSUBPS(rt, qt, rt)
			VFMADD231PS(rt, rt, acc[unroll-1])
		} else {
			VFMADD231PS(rt, qt, acc[unroll-1])
		}
		Label("end" + id)
	}

	Comment("Blocks of four rows, reduced together: one horizontal reduction and one store per block.")
	Label("rows4")
	CMPQ(nrows, U32(rows))
	JB(LabelRef("rows1"))
	var sums [rows]VecVirtual
	for r := 0; r < rows; r++ {
		acc := s.Vecs(unroll)
		for _, a := range acc {
			s.Zero(a)
		}
		row(m, acc, "_"+itoa(r))
		ADDQ(stride, m)
		sums[r] = simd.Sum(acc)
	}
	x4 := s.Horizontal4(sums).(VecVirtual).AsX()
	finish(x4)
	VMOVUPS(x4, Mem{Base: out})
	ADDQ(U32(4*rows), out)
	SUBQ(U32(rows), nrows)
	JMP(LabelRef("rows4"))

	Comment("Leftover rows, one at a time.")
	Label("rows1")
	TESTQ(nrows, nrows)
	JZ(LabelRef("done"))
	acc := s.Vecs(unroll)
	for _, a := range acc {
		s.Zero(a)
	}
	row(m, acc, "_x")
	h := s.Horizontal(simd.Sum(acc)).(VecVirtual).AsX()
	finish(h)
	VMOVSS(h, Mem{Base: out})
	ADDQ(stride, m)
	ADDQ(U32(4), out)
	DECQ(nrows)
	JMP(LabelRef("rows1"))

	Label("done")
	simd.Epilogue(nil)
}

func itoa(n int) string { return string(rune('0' + n)) }
