// Command sgemm generates asm/sgemm_amd64.s and its stubs: the SGEMM
// micro-kernels for AVX2+FMA (6x16, 4x16, 2x16) and AVX-512 (14x32, 12x32,
// 8x32, 8x48, 7x48, 14x24 and 8x24 whose last vector per row is half a ZMM,
// and 2x32), the
// convolution micro-kernels of the same tiles but 8x48 (implicit GEMM: A is
// a convolution's input read in place, window by window), and the packing
// of B for them.
//
// Each kernel keeps an MR x NR tile of C in registers (NR/lanes vectors per
// row), loads one row of B per k step, broadcasts each of the MR values of A
// (AVX-512: within the FMA, from memory) and accumulates with FMA. A is
// addressed through a row stride and a k stride, so the same code reads
// packed slivers and plain row-major A; B through its row stride. The tile is finished in registers: beta*C, bias,
// residual and clamp, then stored once. See SgemmKernel.Run in asm/sgemm.go.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/mmcloughlin/avo/ir"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

// prefetcht0 emits PREFETCHT0 m. avo lists it as requiring "MMX+" (AMD's
// name for the extended MMX set that brought it), but every amd64 CPU has it
// (it is SSE, part of the amd64 baseline), so it is emitted as SSE.
func prefetcht0(m Mem) {
	Instruction(&ir.Instruction{Opcode: "PREFETCHT0", Operands: []Op{m}, Inputs: []Op{m}, ISA: []string{"SSE"}})
}

// tile is one micro-kernel shape for a level.
type tile struct {
	mr, nv int  // rows, vectors per row
	half   bool // the last vector of a row is half wide (AVX-512: a YMM)
	conv   bool // also emit the convolution kernel of this shape
}

// nr returns the tile's width in columns.
func (t tile) nr(s *simd.ISA) int {
	if t.half {
		return t.nv*s.Lanes - s.Lanes/2
	}
	return t.nv * s.Lanes
}

// lanes returns the width of vector j of a row.
func (t tile) lanes(s *simd.ISA, j int) int {
	if t.half && j == t.nv-1 {
		return s.Lanes / 2
	}
	return s.Lanes
}

// view returns v as vector j of a row uses it: the whole register, or its
// lower half for the half-wide last vector.
func (t tile) view(s *simd.ISA, v VecVirtual, j int) Op {
	if t.half && j == t.nv-1 {
		return v.AsY()
	}
	return v
}

func main() {
	simd.Setup()
	// sgemmkmask[r] = 1<<r - 1 for r in [0, 16]: the opmask of r lanes.
	GLOBL("sgemmkmask", RODATA|NOPTR)
	for r := 0; r <= 16; r++ {
		DATA(2*r, U16(1<<r-1))
	}
	for _, s := range simd.Levels() {
		// AVX2: 12 accumulators + 2 B + 2 A of 16 YMM, and a 4-row tile
		// for row counts that are multiples of 4 but not of 6.
		// And a 2-row tile for products of one or two rows (a GEMV: a
		// convolution down to a 1x1 map), which the taller tiles would
		// compute three to seven times over.
		tiles := []tile{{mr: 6, nv: 2, conv: true}, {mr: 4, nv: 2, conv: true}, {mr: 2, nv: 2}}
		if s.Lanes == 16 {
			// AVX-512: 28 accumulators + 2 B + 2 A of 32 ZMM, and
			// shorter tiles that waste less on row counts that are
			// multiples of 4 or 8 but not of 14 (on Zen 4 the 8x32 tile
			// still runs at the FMA peak from L1), and a 48-wide one for
			// column counts such as 36, 42, 48, 144 (convolutions'
			// output channels). Tiles one vector wide (16 columns) run
			// at three quarters of the peak here, so there are none.
			tiles = []tile{{mr: 14, nv: 2, conv: true}, {mr: 12, nv: 2, conv: true}, {mr: 8, nv: 2, conv: true}, {mr: 8, nv: 3}}
			// 24 columns (BlazeFace's 1x1 convolutions and stem) as a ZMM
			// and a YMM per row: a 32-wide tile would waste a quarter of
			// its multiply-adds, while on Zen 4 (which splits a ZMM
			// operation in two YMM halves) the YMM half costs half. 28
			// accumulators + 2 B + 2 A; and 8 rows for row counts that
			// are multiples of 8 but not of 14.
			tiles = append(tiles, tile{mr: 14, nv: 2, half: true, conv: true}, tile{mr: 8, nv: 2, half: true, conv: true}, tile{mr: 2, nv: 2})
			// 7x48 for 49 rows (7x7 maps: faceres' deepest 1x1
			// convolutions), which 14-row tiles pad to 56.
			tiles = append(tiles, tile{mr: 7, nv: 3})
			// 9x32 for 9 rows (3x3 maps: dlib's conv256_down layers,
			// whose filters stream from memory once per inference), which
			// the 12-row tile computes a third over; as a convolution
			// tile, 17- and 35-pixel rows (dlib) are 9+8 and 3x9+8.
			tiles = append(tiles, tile{mr: 9, nv: 2, conv: true})
		}
		packed := map[int]bool{}
		for _, t := range tiles {
			kernel(s, t, false)
			if t.conv {
				kernel(s, t, true)
			}
			if !packed[t.nv] && !t.half {
				packB(s, t.nv)
				packed[t.nv] = true
			}
		}
	}
	Generate()
}

// rowsPerBase is how many rows one base register reaches through the index
// registers L, L3, L5 (the row stride in bytes and its multiples 3 and 5):
// offsets 0, L, 2L, L3, 4L, L5, 2*L3.
const rowsPerBase = 7

// With conv, it emits sgemmConvKernel<level>_<MR>x<NR> instead, the same
// tile over a depth of kout runs of kin contiguous elements of A, the runs
// ajump elements apart (an implicit-GEMM convolution reading its input in
// place: a run is one filter row's taps): see SgemmConvKernel.RunPartial.
func kernel(s *simd.ISA, t tile, conv bool) {
	nr := t.nr(s)
	name := fmt.Sprintf("sgemmKernel%s_%dx%d", s.Name, t.mr, nr)
	if conv {
		name = fmt.Sprintf("sgemmConvKernel%s_%dx%d", s.Name, t.mr, nr)
		TEXT(name, NOSPLIT, "func(kin, kout int, a *float32, rsa, ajump int, b *float32, ldb int, c *float32, ldc int, beta float32, bias, res *float32, ldres int, lo, hi float32, clamp bool, mt, nt int)")
		Pragma("noescape")
		mts := "1 <= mt <= MR"
		if s.Lanes == 16 {
			mts = "1 <= mt <= MR or mt a multiple of MR (that many rows as full tiles)"
		}
		Doc(fmt.Sprintf("%s is the %d x %d convolution micro-kernel for %s; see SgemmConvKernel.RunPartial", name, t.mr, nr, s.Name),
			fmt.Sprintf("(sgemm.go). kin, kout >= 1; any rsa and ajump; %s, 1 <= nt <= NR.", mts))
	} else {
		TEXT(name, NOSPLIT, "func(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32, bias, res *float32, ldres int, lo, hi float32, clamp bool, mt, nt int)")
		Pragma("noescape")
		mts := "1 <= mt <= MR"
		if s.Lanes == 16 {
			mts = "1 <= mt <= MR or mt a multiple of MR (that many rows as full tiles)"
		}
		Doc(fmt.Sprintf("%s is the %d x %d micro-kernel for %s; see SgemmKernel.Run (sgemm.go) and", name, t.mr, nr, s.Name),
			fmt.Sprintf("sgemmKernelGeneric (sgemm_generic.go). k >= 1; any A strides; %s, 1 <= nt <= NR.", mts))
	}
	// AVX-512 kernels take a run of full tiles, one below the other, in
	// one call (mt a multiple of MR): the tile is computed as the only
	// one, then the arguments move MR rows down and it starts over.
	rows := s.Lanes == 16
	if rows {
		Label("tile")
	}

	var k, kin, kout, jump Register
	if conv {
		kin = Load(Param("kin"), GP64())
		kout = Load(Param("kout"), GP64())
		k = GP64()
		// jump = 4*(ajump - kin): bytes from the end of one run to the
		// start of the next.
		jump = Load(Param("ajump"), GP64())
		SUBQ(kin, jump)
		SHLQ(U8(2), jump)
	} else {
		k = Load(Param("k"), GP64())
	}
	// Row addressing of A: bases every rowsPerBase rows, index registers for
	// the row stride in bytes (L) and its multiples.
	L := Load(Param("rsa"), GP64())
	SHLQ(U8(2), L)
	L3 := GP64()
	LEAQ(Mem{Base: L, Index: L, Scale: 2}, L3)
	L5 := GP64()
	LEAQ(Mem{Base: L, Index: L, Scale: 4}, L5)
	var cs Op = U8(4) // conv: runs are contiguous
	if !conv {
		r := Load(Param("csa"), GP64())
		SHLQ(U8(2), r)
		cs = r
	}
	nb := (t.mr + rowsPerBase - 1) / rowsPerBase
	bases := make([]Register, nb)
	bases[0] = Load(Param("a"), GP64())
	for i := 1; i < nb; i++ {
		bases[i] = GP64()
		// base_i = base_{i-1} + 7*L = base_{i-1} + L + 2*L3
		LEAQ(Mem{Base: bases[i-1], Index: L3, Scale: 2}, bases[i])
		ADDQ(L, bases[i])
	}
	rowA := func(i int) Mem {
		b := bases[i/rowsPerBase]
		switch i % rowsPerBase {
		case 0:
			return Mem{Base: b}
		case 1:
			return Mem{Base: b, Index: L, Scale: 1}
		case 2:
			return Mem{Base: b, Index: L, Scale: 2}
		case 3:
			return Mem{Base: b, Index: L3, Scale: 1}
		case 4:
			return Mem{Base: b, Index: L, Scale: 4}
		case 5:
			return Mem{Base: b, Index: L5, Scale: 1}
		default:
			return Mem{Base: b, Index: L3, Scale: 2}
		}
	}
	bp := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)

	Comment("Prefetch the tile of C, which is read (beta != 0) or written only at the end.")
	{
		c := Load(Param("c"), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(2), ldc)
		for i := 0; i < t.mr; i++ {
			for off := 0; off < 4*nr; off += 64 {
				prefetcht0(Mem{Base: c, Disp: off})
			}
			if i+1 < t.mr {
				ADDQ(ldc, c)
			}
		}
	}

	acc := make([][]VecVirtual, t.mr)
	for i := range acc {
		acc[i] = s.Vecs(t.nv)
		for _, v := range acc[i] {
			s.Zero(v)
		}
	}

	if conv {
		Comment("for r := 0; r < kout; r++: for q := 0; q < kin; q++: acc[i][:] += a[i*rsa+r*ajump+q] * b[(r*kin+q)*ldb:][:NR]")
		Label("run")
		MOVQ(kin, k)
	} else {
		Comment("for p := 0; p < k; p++: acc[i][:] += a[i*rsa+p*csa] * b[p*ldb:][:NR]")
	}
	Label("loop")
	bv := s.Vecs(t.nv)
	for j, v := range bv {
		VMOVUPS(Mem{Base: bp, Disp: j * s.Bytes()}, t.view(s, v, j))
	}
	var av []VecVirtual
	if s.Lanes != 16 {
		av = []VecVirtual{s.Vec(), s.Vec()}
	}
	for i := 0; i < t.mr; i++ {
		if s.Lanes == 16 {
			// AVX-512: the FMA broadcasts A from memory itself
			// ({1to16}), which the load units do: on Zen 4 a separate
			// VBROADCASTSS costs the tiles with a YMM half or three
			// vectors per row 5-10% of their multiply-adds.
			for j := range bv {
				VFMADD231PS_BCST(rowA(i), t.view(s, bv[j], j), t.view(s, acc[i][j], j))
			}
			continue
		}
		a := av[i%2]
		VBROADCASTSS(rowA(i), a)
		for j := range bv {
			VFMADD231PS(t.view(s, bv[j], j), t.view(s, a, j), t.view(s, acc[i][j], j))
		}
	}
	for _, b := range bases {
		ADDQ(cs, b)
	}
	ADDQ(ldb, bp)
	DECQ(k)
	JNZ(LabelRef("loop"))
	if conv {
		for _, b := range bases {
			ADDQ(jump, b)
		}
		DECQ(kout)
		JNZ(LabelRef("run"))
	}

	if s.Lanes == 16 {
		// AVX-512: masked memory operations cost nothing extra, so one
		// path serves full and partial tiles.
		finish(s, t, acc, true, "", rows)
		return
	}
	// AVX2: the masked path (VMASKMOVPS) only for partial tiles.
	nt := Load(Param("nt"), GP64())
	CMPQ(nt, U32(nr))
	JNE(LabelRef("partial"))
	mt := Load(Param("mt"), GP64())
	CMPQ(mt, U32(t.mr))
	JNE(LabelRef("partial"))
	finish(s, t, acc, false, "", false)
	Label("partial")
	finish(s, t, acc, true, "_partial", false)
}

// colMasks selects the first nt columns of a tile, per vector.
type colMasks struct {
	s      *simd.ISA
	t      tile
	masked bool
	k      []Op         // AVX-512 opmasks
	y      []VecVirtual // AVX2 vector masks
}

func newColMasks(s *simd.ISA, t tile, masked bool) colMasks {
	nv := t.nv
	cm := colMasks{s: s, t: t, masked: masked}
	if !masked {
		return cm
	}
	nt := Load(Param("nt"), GP64())
	tbl := GP64()
	if s.Lanes == 16 {
		LEAQ(NewDataAddr(Symbol{Name: "sgemmkmask", Static: true}, 0), tbl)
	} else {
		LEAQ(NewDataAddr(Symbol{Name: "ymask8", Static: true}, 0), tbl)
	}
	zero, lanes := GP64(), GP64()
	XORQ(zero, zero)
	MOVQ(U32(s.Lanes), lanes)
	for j := 0; j < nv; j++ {
		// r = clamp(nt - lanes*j, 0, width of vector j): its valid lanes.
		r := GP64()
		MOVQ(nt, r)
		if j > 0 {
			SUBQ(U32(s.Lanes*j), r)
		}
		CMPQ(r, zero)
		CMOVQLT(zero, r)
		if w := t.lanes(s, j); w != s.Lanes {
			MOVQ(U32(w), lanes)
		}
		CMPQ(r, lanes)
		CMOVQGT(lanes, r)
		if s.Lanes == 16 {
			k := K()
			KMOVW(Mem{Base: tbl, Index: r, Scale: 2}, k)
			cm.k = append(cm.k, k)
		} else {
			// ymask8 is eight all-ones dwords then eight zeros: the
			// eight at index 8-r are r ones then zeros.
			NEGQ(r)
			y := YMM()
			VMOVDQU(Mem{Base: tbl, Index: r, Scale: 4, Disp: 32}, y)
			cm.y = append(cm.y, y)
		}
	}
	return cm
}

// load loads vector j of a tile row into v (masked lanes zero, never read).
func (cm colMasks) load(m Mem, j int, v VecVirtual) {
	w := cm.t.view(cm.s, v, j)
	switch {
	case !cm.masked:
		VMOVUPS(m, w)
	case cm.k != nil:
		VMOVUPS_Z(m, cm.k[j], w)
	default:
		VMASKMOVPS(m, cm.y[j], w)
	}
}

// store stores the valid lanes of v as vector j of a tile row.
func (cm colMasks) store(v VecVirtual, m Mem, j int) {
	w := cm.t.view(cm.s, v, j)
	switch {
	case !cm.masked:
		VMOVUPS(w, m)
	case cm.k != nil:
		VMOVUPS(w, cm.k[j], m)
	default:
		VMASKMOVPS(w, cm.y[j], m)
	}
}

// finish emits the end of a kernel: acc += beta*C, bias, residual, clamp,
// then the store of the first mt rows and nt columns (with masked, else of
// the whole tile). Labels carry suffix. With rows, mt > MR (a multiple of
// MR) stores the full tile and starts the next one MR rows down (label
// "tile", the arguments a, c, res and mt updated in place).
func finish(s *simd.ISA, t tile, acc [][]VecVirtual, masked bool, suffix string, rows bool) {
	cm := newColMasks(s, t, masked)
	vw := func(v VecVirtual, j int) Op { return t.view(s, v, j) }
	lbl := func(name string) string { return name + suffix }
	// rowExit jumps to label when row i was the last valid one.
	var mt Register
	if masked {
		mt = Load(Param("mt"), GP64())
	}
	rowExit := func(i int, label string) {
		if masked && i+1 < t.mr {
			CMPQ(mt, U32(i+1))
			JE(LabelRef(label))
		}
	}
	cp := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)

	Comment("beta != 0 (as bits, ignoring the sign): acc += beta * C")
	betaBits := GP32()
	betaAddr, err := Param("beta").Resolve()
	if err != nil {
		panic(err)
	}
	MOVL(betaAddr.Addr, betaBits)
	ANDL(U32(0x7fffffff), betaBits)
	JZ(LabelRef(lbl("bias")))
	{
		beta := s.Vec()
		VBROADCASTSS(betaAddr.Addr, beta)
		c := GP64()
		MOVQ(cp, c)
		for i := 0; i < t.mr; i++ {
			for j := range acc[i] {
				m := Mem{Base: c, Disp: j * s.Bytes()}
				if masked {
					v := s.Vec()
					cm.load(m, j, v)
					VFMADD231PS(vw(v, j), vw(beta, j), vw(acc[i][j], j))
				} else {
					VFMADD231PS(m, vw(beta, j), vw(acc[i][j], j))
				}
			}
			rowExit(i, lbl("bias"))
			if i+1 < t.mr {
				ADDQ(ldc, c)
			}
		}
	}

	Label(lbl("bias"))
	{
		Comment("bias != nil: acc[i][:] += bias[:NR]")
		bias := Load(Param("bias"), GP64())
		TESTQ(bias, bias)
		JZ(LabelRef(lbl("residual")))
		for j := 0; j < t.nv; j++ {
			v := s.Vec()
			cm.load(Mem{Base: bias, Disp: j * s.Bytes()}, j, v)
			for i := range acc {
				VADDPS(vw(v, j), vw(acc[i][j], j), vw(acc[i][j], j))
			}
		}
	}
	Label(lbl("residual"))
	{
		Comment("res != nil: acc[i][:] += res[i*ldres:][:NR]")
		res := Load(Param("res"), GP64())
		TESTQ(res, res)
		JZ(LabelRef(lbl("clamp")))
		ldr := Load(Param("ldres"), GP64())
		SHLQ(U8(2), ldr)
		for i := range acc {
			for j := range acc[i] {
				m := Mem{Base: res, Disp: j * s.Bytes()}
				if masked {
					v := s.Vec()
					cm.load(m, j, v)
					VADDPS(vw(v, j), vw(acc[i][j], j), vw(acc[i][j], j))
				} else {
					VADDPS(m, vw(acc[i][j], j), vw(acc[i][j], j))
				}
			}
			rowExit(i, lbl("clamp"))
			if i+1 < t.mr {
				ADDQ(ldr, res)
			}
		}
	}
	Label(lbl("clamp"))
	{
		Comment("clamp: acc = min(max(acc, lo), hi); the accumulator is the second source, so NaN stays NaN")
		clamp := Load(Param("clamp"), GP8())
		TESTB(clamp, clamp)
		JZ(LabelRef(lbl("store")))
		lo, hi := s.Vec(), s.Vec()
		loAddr, _ := Param("lo").Resolve()
		hiAddr, _ := Param("hi").Resolve()
		VBROADCASTSS(loAddr.Addr, lo)
		for i := range acc {
			for j := range acc[i] {
				VMAXPS(vw(acc[i][j], j), vw(lo, j), vw(acc[i][j], j))
			}
		}
		Comment("hi == +Inf (ReLU): min(acc, hi) is acc, NaN included")
		hiBits := GP32()
		MOVL(hiAddr.Addr, hiBits)
		CMPL(hiBits, U32(0x7f800000))
		JE(LabelRef(lbl("store")))
		VBROADCASTSS(hiAddr.Addr, hi)
		for i := range acc {
			for j := range acc[i] {
				VMINPS(vw(acc[i][j], j), vw(hi, j), vw(acc[i][j], j))
			}
		}
	}

	Label(lbl("store"))
	for i := 0; i < t.mr; i++ {
		for j := range acc[i] {
			cm.store(acc[i][j], Mem{Base: cp, Disp: j * s.Bytes()}, j)
		}
		rowExit(i, lbl("done"))
		if i+1 < t.mr {
			ADDQ(ldc, cp)
		}
	}
	Label(lbl("done"))
	if rows {
		Comment("mt > MR: the next tile, MR rows down")
		left := Load(Param("mt"), GP64())
		SUBQ(U32(t.mr), left)
		JLE(LabelRef("return"))
		Store(left, Param("mt"))
		down := func(ptr, stride string) {
			d := Load(Param(stride), GP64())
			IMUL3Q(U32(4*t.mr), d, d)
			a, err := Param(ptr).Resolve()
			if err != nil {
				panic(err)
			}
			ADDQ(d, a.Addr)
		}
		down("a", "rsa")
		down("c", "ldc")
		res := Load(Param("res"), GP64())
		TESTQ(res, res)
		JZ(LabelRef("tile"))
		down("res", "ldres")
		JMP(LabelRef("tile"))
		Label("return")
	}
	simd.Epilogue(nil)
}

// packB emits sgemmPackB<level>_<NR>: the copy of a kc x (slivers*NR) block
// of row-major B into slivers of NR columns, each k-major, reading B row by
// row and prefetching the next row.
func packB(s *simd.ISA, nv int) {
	nr := nv * s.Lanes
	name := fmt.Sprintf("sgemmPackB%s_%d", s.Name, nr)
	TEXT(name, NOSPLIT, "func(kc, slivers int, b *float32, ldb int, dst *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s packs B for the %s micro-kernels of width %d; see SgemmPackB (sgemm_pack.go).", name, s.Name, nr),
		"kc >= 1, slivers >= 1.")
	kc := Load(Param("kc"), GP64())
	slivers := Load(Param("slivers"), GP64())
	src := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)
	dst := Load(Param("dst"), GP64())
	// Prefetch distance: pfRows rows of B ahead.
	ahead := GP64()
	MOVQ(ldb, ahead)
	SHLQ(U8(log2(pfRows)), ahead)
	// Distance between slivers in dst: NR*kc floats.
	stride := GP64()
	IMUL3Q(U32(4*nr), kc, stride)

	Label("row")
	sp, dp, n := GP64(), GP64(), GP64()
	MOVQ(src, sp)
	MOVQ(dst, dp)
	MOVQ(slivers, n)
	Label("sliver")
	vs := s.Vecs(nv)
	for j, v := range vs {
		VMOVUPS(Mem{Base: sp, Disp: j * s.Bytes()}, v)
	}
	for off := 0; off < nv*s.Bytes(); off += 64 {
		prefetcht0(Mem{Base: sp, Index: ahead, Scale: 1, Disp: off}) // the same columns pfRows rows down
	}
	for j, v := range vs {
		VMOVUPS(v, Mem{Base: dp, Disp: j * s.Bytes()})
	}
	ADDQ(U32(nv*s.Bytes()), sp)
	ADDQ(stride, dp)
	DECQ(n)
	JNZ(LabelRef("sliver"))
	ADDQ(ldb, src)
	ADDQ(U32(nv*s.Bytes()), dst)
	DECQ(kc)
	JNZ(LabelRef("row"))
	simd.Epilogue(nil)
}

// pfRows is how many rows ahead packB prefetches B: each row is usually a
// different page (no hardware prefetch across), so several rows' lines must
// be in flight to cover the memory latency.
const pfRows = 4

func log2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	if 1<<l != n {
		panic("not a power of two")
	}
	return l
}
