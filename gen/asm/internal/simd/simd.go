// Package simd is what the avo generators in gen/asm share: the two amd64
// vector levels described once (register width, lanes, how a partial vector
// is loaded and stored without touching memory past the end), and the
// reductions that end every kernel.
package simd

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ISA is one amd64 vector level.
type ISA struct {
	Name  string // suffix of the generated functions: "AVX2", "AVX512"
	Lanes int    // float32 lanes per register
	wide  func() VecVirtual
}

// Levels returns the levels every generator emits, in dispatch order.
func Levels() []*ISA {
	return []*ISA{
		{Name: "AVX2", Lanes: 8, wide: YMM},
		{Name: "AVX512", Lanes: 16, wide: ZMM},
	}
}

// Bytes is the register width in bytes.
func (s *ISA) Bytes() int { return 4 * s.Lanes }

// Vec allocates a vector register of the level's width.
func (s *ISA) Vec() VecVirtual { return s.wide() }

// Vecs allocates n vector registers.
func (s *ISA) Vecs(n int) []VecVirtual {
	v := make([]VecVirtual, n)
	for i := range v {
		v[i] = s.Vec()
	}
	return v
}

// Zero clears v. VXORPS on ZMM registers needs AVX512DQ; VPXORD needs only F.
func (s *ISA) Zero(v VecVirtual) {
	if s.Lanes == 16 {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
}

// Tail is a mask selecting the first r lanes of a vector, 0 < r < Lanes.
type Tail struct {
	isa  *ISA
	k    Op // AVX-512 opmask
	mask Op // AVX2 vector mask
}

// TailMask builds the mask for the first r lanes, r in [1, Lanes) in the
// general-purpose register r. It reads the level's mask table, which the
// generator must emit once per file with MaskTables.
func (s *ISA) TailMask(r Register) Tail {
	if s.Lanes == 16 {
		// kmask16<>[r] = 1<<r - 1.
		tbl := GP64()
		LEAQ(NewDataAddr(Symbol{Name: "kmask16", Static: true}, 0), tbl)
		k := K()
		KMOVW(Mem{Base: tbl, Index: r, Scale: 2}, k)
		return Tail{isa: s, k: k}
	}
	// ymask8<> is eight all-ones dwords then eight zeros: the eight dwords
	// at index 8-r are r ones then zeros.
	tbl := GP64()
	LEAQ(NewDataAddr(Symbol{Name: "ymask8", Static: true}, 0), tbl)
	neg := GP64()
	MOVQ(r, neg)
	NEGQ(neg)
	m := YMM()
	VMOVDQU(Mem{Base: tbl, Index: neg, Scale: 4, Disp: 32}, m)
	return Tail{isa: s, mask: m}
}

// MaskTables emits the static tables TailMask reads.
func MaskTables() {
	GLOBL("kmask16", RODATA|NOPTR)
	for r := 0; r < 16; r++ {
		DATA(2*r, U16(1<<r-1))
	}
	GLOBL("ymask8", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
}

// Load loads the masked lanes of m into v and zeroes the others, without
// reading memory outside the masked lanes.
func (t Tail) Load(m Mem, v VecVirtual) {
	if t.k != nil {
		VMOVUPS_Z(m, t.k, v)
	} else {
		VMASKMOVPS(m, t.mask, v)
	}
}

// Store stores the masked lanes of v to m, writing nothing else.
func (t Tail) Store(v VecVirtual, m Mem) {
	if t.k != nil {
		VMOVUPS(v, t.k, m)
	} else {
		VMASKMOVPS(v, t.mask, m)
	}
}

// Sum adds the registers of acc pairwise into acc[0] (a balanced tree).
func Sum(acc []VecVirtual) VecVirtual {
	for step := 1; step < len(acc); step *= 2 {
		for i := 0; i+step < len(acc); i += 2 * step {
			VADDPS(acc[i+step], acc[i], acc[i])
		}
	}
	return acc[0]
}

// ToYMM folds a register of the level's width to 8 lanes.
func (s *ISA) ToYMM(v VecVirtual) Register {
	if s.Lanes == 16 {
		hi := YMM()
		VEXTRACTF64X4(U8(1), v, hi)
		VADDPS(hi, v.AsY(), hi)
		return hi
	}
	return v
}

// Horizontal reduces v to the sum of its lanes, left in the low lane of the
// returned XMM register.
func (s *ISA) Horizontal(v VecVirtual) Register {
	y := s.ToYMM(v)
	x := XMM()
	VEXTRACTF128(U8(1), y, x)
	VADDPS(x, y.(VecVirtual).AsX(), x)
	VHADDPS(x, x, x)
	VHADDPS(x, x, x)
	return x
}

// Horizontal4 reduces four registers to one XMM register holding their four
// lane sums, in order.
func (s *ISA) Horizontal4(v [4]VecVirtual) Register {
	var y [4]Register
	for i := range v {
		y[i] = s.ToYMM(v[i])
	}
	// Per 128-bit half: t01 = [y0 pair sums, y1 pair sums], t23 likewise;
	// then t = [sum y0, sum y1, sum y2, sum y3] in each half.
	t01, t23 := YMM(), YMM()
	VHADDPS(y[1], y[0], t01)
	VHADDPS(y[3], y[2], t23)
	VHADDPS(t23, t01, t01)
	x := XMM()
	VEXTRACTF128(U8(1), t01, x)
	VADDPS(x, t01.AsX(), x)
	return x
}

// Func starts a function named base+level with the given Go signature and a
// doc comment naming its reference.
func (s *ISA) Func(base, sig, ref string, doc ...string) {
	name := base + s.Name
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	lines := append([]string{fmt.Sprintf("%s is the %s version of %s; see %s.", name, s.level(), ref, refFile(ref))}, doc...)
	Doc(lines...)
}

func (s *ISA) level() string {
	if s.Lanes == 16 {
		return "AVX-512"
	}
	return "AVX2+FMA"
}

// refFile names the generic file holding the reference for ref.
func refFile(ref string) string {
	switch ref {
	case "Dot", "SumSquares":
		return "dot_generic.go"
	case "Axpy", "Scale":
		return "axpy_generic.go"
	case "DotBatch", "SquaredL2Batch", "CosineBatch":
		return "batch_generic.go"
	case "WinogradInput", "WinogradOutput":
		return "winograd_generic.go"
	}
	panic("simd: no reference file for " + ref)
}

// ParamMem returns the stack address of a parameter component (for
// memory operands such as a broadcast straight from the argument).
func ParamMem(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// Epilogue clears the upper vector state, stores the low lane of result (if
// not nil) as the function's return value, and returns. Storing after
// VZEROUPPER keeps the SSE-encoded store free of AVX transition penalties.
func Epilogue(result Register) {
	VZEROUPPER()
	if result != nil {
		Store(result.(VecVirtual).AsX(), ReturnIndex(0))
	}
	RET()
}

// Setup emits the build constraint every generated file carries (the .s and
// its Go stubs) and the mask tables.
func Setup() {
	ConstraintExpr("gc,!purego,!noasm")
	MaskTables()
}
