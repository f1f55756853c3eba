// Command batch generates asm/batch_amd64.s and its stubs: DotBatch and
// SquaredL2Batch (one query against many contiguous rows) for AVX2+FMA and
// AVX-512.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

const (
	// rows is the number of rows sharing each load of the query.
	rows = 4
	// unroll is the number of query registers per inner iteration, so that
	// rows*unroll independent accumulators cover FMA latency.
	unroll = 2
)

func main() {
	simd.Setup()
	for _, s := range simd.Levels() {
		batch(s, false)
		batch(s, true)
	}
	Generate()
}

// batch emits DotBatch or, with l2, SquaredL2Batch.
func batch(s *simd.ISA, l2 bool) {
	if l2 {
		s.Func("squaredL2Batch", "func(q, m, out []float32)", "SquaredL2Batch",
			"For r < len(out) it sets out[r] to |q - m[r*len(q):(r+1)*len(q)]|^2;",
			"len(m) >= len(out)*len(q).")
	} else {
		s.Func("dotBatch", "func(q, m, out []float32)", "DotBatch",
			"For r < len(out) it sets out[r] = q . m[r*len(q):(r+1)*len(q)];",
			"len(m) >= len(out)*len(q).")
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

	// accumulate adds one register's worth of row r at element index i into
	// a: the product with the query chunk qv, or the squared difference.
	accumulate := func(qv VecVirtual, row Mem, a VecVirtual) {
		if l2 {
			t := s.Vec()
			VSUBPS(row, qv, t)
			VFMADD231PS(t, t, a)
		} else {
			VFMADD231PS(row, qv, a)
		}
	}
	at := func(base Register, i Register, disp int) Mem {
		return Mem{Base: base, Index: i, Scale: 4, Disp: disp}
	}
	// tailRows adds the masked last rem elements of each row in ps.
	tailRows := func(i Register, ps []Register, acc []VecVirtual) {
		TESTQ(rem, rem)
		JZ(LabelRef("tail_done_" + itoa(len(ps))))
		qv := s.Vec()
		tail.Load(at(q, i, 0), qv)
		for k, p := range ps {
			rv := s.Vec()
			tail.Load(at(p, i, 0), rv)
			if l2 {
				VSUBPS(rv, qv, rv)
				VFMADD231PS(rv, rv, acc[k])
			} else {
				VFMADD231PS(rv, qv, acc[k])
			}
		}
		Label("tail_done_" + itoa(len(ps)))
	}

	Comment("Blocks of four rows share every load of the query.")
	Label("rows4")
	CMPQ(nrows, U32(rows))
	JB(LabelRef("rows1"))
	var p [rows]Register
	p[0] = m
	for r := 1; r < rows; r++ {
		p[r] = GP64()
		LEAQ(Mem{Base: p[r-1], Index: stride, Scale: 1}, p[r])
	}
	var acc [rows][unroll]VecVirtual
	for r := range acc {
		for u := range acc[r] {
			acc[r][u] = s.Vec()
			s.Zero(acc[r][u])
		}
	}
	i := GP64()
	XORQ(i, i)
	Label("inner4x")
	// i + unroll*lanes <= full
	lim := GP64()
	LEAQ(Mem{Base: i, Disp: unroll * s.Lanes}, lim)
	CMPQ(lim, full)
	JA(LabelRef("inner4"))
	for u := 0; u < unroll; u++ {
		qv := s.Vec()
		VMOVUPS(at(q, i, u*s.Bytes()), qv)
		for r := 0; r < rows; r++ {
			accumulate(qv, at(p[r], i, u*s.Bytes()), acc[r][u])
		}
	}
	ADDQ(U32(unroll*s.Lanes), i)
	JMP(LabelRef("inner4x"))
	Label("inner4")
	CMPQ(i, full)
	JAE(LabelRef("tail4"))
	qv := s.Vec()
	VMOVUPS(at(q, i, 0), qv)
	for r := 0; r < rows; r++ {
		accumulate(qv, at(p[r], i, 0), acc[r][0])
	}
	ADDQ(U32(s.Lanes), i)
	JMP(LabelRef("inner4"))
	Label("tail4")
	first := make([]VecVirtual, rows)
	for r := range acc {
		first[r] = acc[r][1]
	}
	tailRows(i, p[:], first)
	var sums [rows]VecVirtual
	for r := range acc {
		sums[r] = simd.Sum(acc[r][:])
	}
	VMOVUPS(s.Horizontal4(sums), Mem{Base: out})
	LEAQ(Mem{Base: p[rows-1], Index: stride, Scale: 1}, m)
	ADDQ(U32(4*rows), out)
	SUBQ(U32(rows), nrows)
	JMP(LabelRef("rows4"))

	Comment("Leftover rows, one at a time.")
	Label("rows1")
	TESTQ(nrows, nrows)
	JZ(LabelRef("done"))
	a := s.Vecs(unroll)
	for _, v := range a {
		s.Zero(v)
	}
	j := GP64()
	XORQ(j, j)
	Label("inner1")
	CMPQ(j, full)
	JAE(LabelRef("tail1"))
	qv1 := s.Vec()
	VMOVUPS(at(q, j, 0), qv1)
	accumulate(qv1, at(m, j, 0), a[0])
	ADDQ(U32(s.Lanes), j)
	JMP(LabelRef("inner1"))
	Label("tail1")
	tailRows(j, []Register{m}, a[1:2])
	h := s.Horizontal(simd.Sum(a))
	VMOVSS(h.(VecVirtual).AsX(), Mem{Base: out})
	ADDQ(stride, m)
	ADDQ(U32(4), out)
	DECQ(nrows)
	JMP(LabelRef("rows1"))

	Label("done")
	simd.Epilogue(nil)
}

func itoa(n int) string { return string(rune('0' + n)) }
