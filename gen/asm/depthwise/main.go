// Command depthwise generates asm/depthwise_amd64.s and its stubs: the 3x3
// depthwise convolution row kernels (stride 1 and 2) and the border-pixel
// kernel behind asm.Depthwise3x3Row and asm.Depthwise3x3Pixel, for AVX2+FMA
// and AVX-512.
//
// Channels are innermost (NHWC), so one vector holds consecutive channels of
// one pixel. The row kernel walks the channels one vector block at a time;
// for each block it computes `block` output pixels at once, loading each
// input column once per kernel row and feeding it to the (up to three)
// outputs whose window covers it, with the kernel row's three filter
// vectors in registers: 9 fused multiply-adds per output vector. The last
// c % lanes channels run the same code with masked loads and stores; at
// AVX-512 a tail of at most 8 channels uses masked YMM registers (half the
// cost where 512-bit operations are split in two) and shares its pass with
// the last full group (32 registers hold both groups' accumulators), so
// that pixels whose channels straddle cache lines are read once; at AVX2
// with c >= 8 the last 8 channels are redone unmasked, overlapping the
// previous group.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/facecluster/facecluster/gen/asm/internal/simd"
)

// block is the number of output pixels computed together: eight
// accumulator chains cover the FMA latency (4 cycles at up to two FMAs per
// cycle) and leave registers for three filter vectors, the input column,
// bias and clamp bounds (16 with the AVX2 tail mask).
const block = 8

func main() {
	simd.Setup()
	for _, s := range simd.Levels() {
		row(s, 1)
		row(s, 2)
		rowChan(s, 1)
		rowChan(s, 2)
		pixel(s)
	}
	Generate()
}

// vecIO allocates, loads and stores the vectors of one channel group:
// full registers of the level, or its tail masked by t, or (AVX-512, at
// most 8 channels left) half-width YMM registers masked by the opmask k,
// which on CPUs that split 512-bit operations in two costs half as much.
type vecIO struct {
	s    *simd.ISA
	t    *simd.Tail
	k    Register // with half
	half bool
	off  int // byte offset of the group's channels from the pointers
}

func (io vecIO) vec() VecVirtual {
	if io.half {
		return YMM()
	}
	return io.s.Vec()
}

func (io vecIO) vecs(n int) []VecVirtual {
	v := make([]VecVirtual, n)
	for i := range v {
		v[i] = io.vec()
	}
	return v
}

func (io vecIO) zero(v VecVirtual) {
	if io.half {
		VXORPS(v, v, v)
	} else {
		io.s.Zero(v)
	}
}

// width narrows a full-width register (the clamp bounds) to the group's.
func (io vecIO) width(v VecVirtual) VecVirtual {
	if io.half {
		return v.AsY().(VecVirtual)
	}
	return v
}

func (io vecIO) load(m Mem, v VecVirtual) {
	switch {
	case io.half:
		VMOVUPS_Z(m, io.k, v)
	case io.t != nil:
		io.t.Load(m, v)
	default:
		VMOVUPS(m, v)
	}
}

func (io vecIO) store(v VecVirtual, m Mem) {
	switch {
	case io.half:
		VMOVUPS(v, io.k, m)
	case io.t != nil:
		io.t.Store(v, m)
	default:
		VMOVUPS(v, m)
	}
}

// clamp sets v = min(max(v, lo), hi) with v as the second source of both,
// so that a NaN in v is kept (x86 returns the second source when either is
// NaN).
func clamp(v, lo, hi VecVirtual) {
	VMAXPS(v, lo, v)
	VMINPS(v, hi, v)
}

// row emits depthwise3x3RowsS<stride><ISA>.
func row(s *simd.ISA, stride int) {
	name := fmt.Sprintf("depthwise3x3RowsS%d%s", stride, s.Name)
	TEXT(name, NOSPLIT, "func(out, in, filter, bias []float32, c, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %s version of Depthwise3x3Rows for stride %d; see depthwise_generic.go.", name, s.Name, stride),
		"Strides are in bytes: inRowBytes between input rows, inRowSkip and outRowSkip from the end of one",
		"row's pixels to the start of the next. c, m >= 1, rows in 1..3, padL and padR 0 or 1, slices long enough.")

	outp := Load(Param("out").Base(), GP64())
	inp := Load(Param("in").Base(), GP64())
	fp := Load(Param("filter").Base(), GP64())
	rem := Load(Param("c"), GP64())
	c4 := GP64()
	MOVQ(rem, c4)
	SHLQ(U8(2), c4) // bytes per pixel
	lo, hi := s.Vec(), s.Vec()
	VBROADCASTSS(simd.ParamMem(Param("lo")), lo)
	VBROADCASTSS(simd.ParamMem(Param("hi")), hi)

	// body computes one or two vectors of channels (the groups, each masked
	// or not, at its byte offset) over all m rows.
	body := func(pfx string, gs ...vecIO) {
		// Bias at the channels of fp, or zero when bias is empty.
		vb := make([]VecVirtual, len(gs))
		for g, io := range gs {
			vb[g] = io.vec()
		}
		CMPQ(simd.ParamMem(Param("bias").Len()), U8(0))
		JEQ(LabelRef(pfx + "nobias"))
		{
			bp := Load(Param("bias").Base(), GP64())
			ADDQ(fp, bp)
			SUBQ(simd.ParamMem(Param("filter").Base()), bp)
			for g, io := range gs {
				io.load(Mem{Base: bp, Disp: io.off}, vb[g])
			}
		}
		JMP(LabelRef(pfx + "biasok"))
		Label(pfx + "nobias")
		for g, io := range gs {
			io.zero(vb[g])
		}
		Label(pfx + "biasok")

		po, pi, o := GP64(), GP64(), GP64()
		MOVQ(outp, po)
		MOVQ(inp, pi)
		MOVQ(simd.ParamMem(Param("m")), o)

		// outputs emits nb output pixels at po from input at pi: input
		// column t of each kernel row feeds output i with filter column
		// ks[t - i*stride] (ks lists the columns present, in order).
		outputs := func(lp string, nb int, ks []int) {
			acc := make([][]VecVirtual, len(gs))
			for g, io := range gs {
				acc[g] = io.vecs(nb)
				for _, a := range acc[g] {
					VMOVAPS(vb[g], a)
				}
			}
			rp, fr, r, tp := GP64(), GP64(), GP64(), GP64()
			MOVQ(pi, rp)
			MOVQ(fp, fr)
			MOVQ(simd.ParamMem(Param("rows")), r)
			Label(lp + "rows")
			f := make([][]VecVirtual, len(gs))
			for g, io := range gs {
				f[g] = make([]VecVirtual, 3)
				for _, k := range ks {
					f[g][k] = io.vec()
					if k == 0 {
						io.load(Mem{Base: fr, Disp: io.off}, f[g][k])
					} else {
						io.load(Mem{Base: fr, Index: c4, Scale: uint8(k), Disp: io.off}, f[g][k])
					}
				}
			}
			MOVQ(rp, tp)
			cols := (nb-1)*stride + len(ks)
			for t := 0; t < cols; t++ {
				for g, io := range gs {
					x := io.vec()
					io.load(Mem{Base: tp, Disp: io.off}, x)
					for i := range acc[g] {
						if k := t - i*stride; k >= 0 && k < len(ks) {
							VFMADD231PS(f[g][ks[k]], x, acc[g][i]) // acc[i] += x * f[k]
						}
					}
				}
				if t < cols-1 {
					ADDQ(c4, tp)
				}
			}
			ADDQ(simd.ParamMem(Param("inRowBytes")), rp)
			LEAQ(Mem{Base: fr, Index: c4, Scale: 2}, fr)
			ADDQ(c4, fr) // next filter row: 3 pixels on
			DECQ(r)
			JNZ(LabelRef(lp + "rows"))

			for i := 0; i < nb; i++ {
				for g, io := range gs {
					a := acc[g][i]
					clamp(a, io.width(lo), io.width(hi))
					io.store(a, Mem{Base: po, Disp: io.off})
				}
				ADDQ(c4, po)
			}
		}

		Label(pfx + "row")
		j := GP64()
		MOVQ(simd.ParamMem(Param("n")), j)
		CMPQ(simd.ParamMem(Param("padL")), U8(0))
		JEQ(LabelRef(pfx + "block"))
		outputs(pfx+"l", 1, []int{1, 2})
		if stride == 2 {
			ADDQ(c4, pi)
		}

		// advance moves pi past the input of nb output pixels (outputs
		// moves po as it stores).
		advance := func(nb int) {
			t := GP64()
			IMUL3Q(U32(nb*stride), c4, t)
			ADDQ(t, pi)
		}

		Label(pfx + "block")
		CMPQ(j, U8(block))
		JB(LabelRef(pfx + "rest"))
		outputs(pfx+"b", block, []int{0, 1, 2})
		advance(block)
		SUBQ(U8(block), j)
		JMP(LabelRef(pfx + "block"))

		Comment("Fewer than block pixels left: when the row has at least block,",
			"step back and recompute the last block (the same values), else",
			"finish with a half block and single pixels.")
		Label(pfx + "rest")
		TESTQ(j, j)
		JZ(LabelRef(pfx + "right"))
		CMPQ(simd.ParamMem(Param("n")), U8(block))
		JB(LabelRef(pfx + "half"))
		{
			t := GP64()
			MOVQ(U32(block), t)
			SUBQ(j, t)
			IMULQ(c4, t)
			SUBQ(t, po)
			if stride == 2 {
				SHLQ(U8(1), t)
			}
			SUBQ(t, pi)
			MOVQ(U32(block), j)
			JMP(LabelRef(pfx + "block"))
		}

		Label(pfx + "half")
		CMPQ(j, U8(block/2))
		JB(LabelRef(pfx + "single"))
		outputs(pfx+"h", block/2, []int{0, 1, 2})
		advance(block / 2)
		SUBQ(U8(block/2), j)

		Label(pfx + "single")
		TESTQ(j, j)
		JZ(LabelRef(pfx + "right"))
		outputs(pfx+"s", 1, []int{0, 1, 2})
		advance(1)
		DECQ(j)
		JMP(LabelRef(pfx + "single"))

		Label(pfx + "right")
		CMPQ(simd.ParamMem(Param("padR")), U8(0))
		JEQ(LabelRef(pfx + "next"))
		outputs(pfx+"r", 1, []int{0, 1})

		Label(pfx + "next")
		ADDQ(simd.ParamMem(Param("outRowSkip")), po)
		ADDQ(simd.ParamMem(Param("inRowSkip")), pi)
		DECQ(o)
		JNZ(LabelRef(pfx + "row"))
	}

	Label("chan")
	CMPQ(rem, U8(s.Lanes))
	JB(LabelRef("tail"))
	if s.Lanes == 16 {
		// 16 < rem < 32: the last full group and the tail in one pass, so
		// that pixels whose channels straddle cache lines are read once.
		JE(LabelRef("single"))
		CMPQ(rem, U8(2*s.Lanes))
		JAE(LabelRef("single"))
		t := GP64()
		MOVQ(rem, t)
		SUBQ(U8(s.Lanes), t)
		CMPQ(t, U8(8))
		JA(LabelRef("dualwide"))
		tbl := GP64()
		LEAQ(NewDataAddr(Symbol{Name: "kmask16", Static: true}, 0), tbl)
		k := K()
		KMOVW(Mem{Base: tbl, Index: t, Scale: 2}, k)
		body("dy", vecIO{s: s}, vecIO{s: s, k: k, half: true, off: s.Bytes()})
		JMP(LabelRef("done"))
		Label("dualwide")
		tm := s.TailMask(t)
		body("dz", vecIO{s: s}, vecIO{s: s, t: &tm, off: s.Bytes()})
		JMP(LabelRef("done"))
		Label("single")
	}
	body("f", vecIO{s: s})
	for _, p := range []Register{outp, inp, fp} {
		ADDQ(U8(s.Bytes()), p)
	}
	SUBQ(U8(s.Lanes), rem)
	JMP(LabelRef("chan"))

	Comment("The last c % lanes channels: masked (nothing past them is touched), or overlapping.")
	Label("tail")
	TESTQ(rem, rem)
	JZ(LabelRef("done"))
	if s.Lanes == 16 {
		CMPQ(rem, U8(8))
		JA(LabelRef("wide"))
		tbl := GP64()
		LEAQ(NewDataAddr(Symbol{Name: "kmask16", Static: true}, 0), tbl)
		k := K()
		KMOVW(Mem{Base: tbl, Index: rem, Scale: 2}, k)
		body("y", vecIO{s: s, k: k, half: true})
		JMP(LabelRef("done"))
		Label("wide")
	} else {
		// AVX2 masked stores are slow on some CPUs: with at least one full
		// group, redo the last 8 channels unmasked instead (the overlap
		// recomputes identical values).
		CMPQ(simd.ParamMem(Param("c")), U8(s.Lanes))
		JB(LabelRef("masked"))
		back := GP64()
		MOVQ(U32(s.Lanes), back)
		SUBQ(rem, back)
		SHLQ(U8(2), back)
		for _, p := range []Register{outp, inp, fp} {
			SUBQ(back, p)
		}
		body("o", vecIO{s: s})
		JMP(LabelRef("done"))
		Label("masked")
	}
	tm := s.TailMask(rem)
	body("t", vecIO{s: s, t: &tm})

	Label("done")
	simd.Epilogue(nil)
}

// rowChan emits depthwise3x3RowsChanS<stride><ISA>, Depthwise3x3Rows with
// the channels innermost: for each output row, for each run of up to 6
// (AVX2) or 12 (AVX-512) output pixels, for each vector of channels. With many channels the pixels
// of one vector of channels are thousands of bytes apart and share a few L1
// sets, so row's walk (a vector of channels over all rows) misses L1 on
// nearly every load; walking the channels of a few pixels instead reads the
// input in order, line after line. The border pixels join the first and
// last runs (a row of up to run+2 pixels is one run), so that every
// sweep over the channels loads each filter vector for several pixels. The
// last vector of channels overlaps the one before it when lanes does not
// divide c (the overlap recomputes identical values), so no load or store
// is masked; c >= lanes.
func rowChan(s *simd.ISA, stride int) {
	// Interior pixels per run: a run of up to run+2 pixels keeps its
	// accumulators, three filter vectors, the input vector and the clamp
	// bounds in registers (AVX-512: a 14-pixel row is one run).
	run := 6
	if s.Lanes == 16 && stride == 1 {
		run = 12
	}
	name := fmt.Sprintf("depthwise3x3RowsChanS%d%s", stride, s.Name)
	TEXT(name, NOSPLIT, "func(out, in, filter, bias []float32, c, inPixBytes, rows, m, n, padL, padR, inRowBytes, inRowSkip, outRowSkip int, lo, hi float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %s version of Depthwise3x3Rows for stride %d with the channels", name, s.Name, stride),
		"innermost, for many channels; see depthwise_generic.go. Strides are in bytes: inPixBytes between",
		"input pixels, inRowBytes between input rows, inRowSkip and outRowSkip from the end of one row's",
		"pixels to the start of the next.",
		fmt.Sprintf("c >= %d, inPixBytes >= 4*c, m >= 1, rows in 1..3, padL and padR 0 or 1, slices long enough.", s.Lanes))

	po := Load(Param("out").Base(), GP64())
	pi := Load(Param("in").Base(), GP64())
	fp := Load(Param("filter").Base(), GP64())
	bp := GP64() // bias, or 0 for none
	XORQ(bp, bp)
	CMPQ(simd.ParamMem(Param("bias").Len()), U8(0))
	JEQ(LabelRef("nobias"))
	Load(Param("bias").Base(), bp)
	Label("nobias")
	c4 := Load(Param("c"), GP64())
	SHLQ(U8(2), c4) // bytes per output pixel (and filter column)
	ip := Load(Param("inPixBytes"), GP64())
	last := GP64() // byte offset of the last vector of channels
	MOVQ(c4, last)
	SUBQ(U8(s.Bytes()), last)
	lo, hi := s.Vec(), s.Vec()
	VBROADCASTSS(simd.ParamMem(Param("lo")), lo)
	VBROADCASTSS(simd.ParamMem(Param("hi")), hi)
	// Loop counters live on the stack: output rows left, pixels left.
	locals := AllocLocal(16)
	rowsLeft, pixLeft := locals.Offset(0), locals.Offset(8)
	{
		t := Load(Param("m"), GP64())
		MOVQ(t, rowsLeft)
	}

	// The vector registers of every run: one set shared by all the runs
	// (with fresh registers per run avo's allocator runs out).
	accs, fs, x := s.Vecs(run+2), s.Vecs(3), s.Vec()

	// pass emits a run of output pixels at po from the input at pi, over
	// every vector of channels: a left border pixel if left (filter
	// columns 1, 2), nb interior pixels, a right border pixel if right
	// (columns 0, 1). It then moves po past the run and pi past the input
	// of the left and interior pixels.
	pass := func(lp string, left bool, nb int, right bool) {
		type pixel struct {
			col int   // first input column
			ks  []int // filter columns, one per input column from col
		}
		var px []pixel
		x0 := 0
		if left {
			px = append(px, pixel{0, []int{1, 2}})
			x0 = stride - 1
		}
		for i := 0; i < nb; i++ {
			px = append(px, pixel{x0 + i*stride, []int{0, 1, 2}})
		}
		if right {
			px = append(px, pixel{x0 + nb*stride, []int{0, 1}})
		}
		cols := 0
		used := [3]bool{}
		for _, p := range px {
			cols = max(cols, p.col+len(p.ks))
			for _, k := range p.ks {
				used[k] = true
			}
		}

		g := GP64() // byte offset of the vector of channels
		XORQ(g, g)
		Label(lp + "chan")
		acc := accs[:len(px)]
		TESTQ(bp, bp)
		JZ(LabelRef(lp + "zero"))
		VMOVUPS(Mem{Base: bp, Index: g, Scale: 1}, acc[0])
		JMP(LabelRef(lp + "bias"))
		Label(lp + "zero")
		s.Zero(acc[0])
		Label(lp + "bias")
		for _, a := range acc[1:] {
			VMOVAPS(acc[0], a)
		}
		rp, fr, r, tp := GP64(), GP64(), GP64(), GP64()
		LEAQ(Mem{Base: pi, Index: g, Scale: 1}, rp)
		LEAQ(Mem{Base: fp, Index: g, Scale: 1}, fr)
		MOVQ(simd.ParamMem(Param("rows")), r)
		Label(lp + "rows")
		f := fs
		for k := range f {
			if !used[k] {
				continue
			}
			if k == 0 {
				VMOVUPS(Mem{Base: fr}, f[k])
			} else {
				VMOVUPS(Mem{Base: fr, Index: c4, Scale: uint8(k)}, f[k])
			}
		}
		MOVQ(rp, tp)
		for t := 0; t < cols; t++ {
			VMOVUPS(Mem{Base: tp}, x)
			for i, p := range px {
				if k := t - p.col; k >= 0 && k < len(p.ks) {
					VFMADD231PS(f[p.ks[k]], x, acc[i]) // acc[i] += x * f[k]
				}
			}
			if t < cols-1 {
				ADDQ(ip, tp)
			}
		}
		ADDQ(simd.ParamMem(Param("inRowBytes")), rp)
		LEAQ(Mem{Base: fr, Index: c4, Scale: 2}, fr)
		ADDQ(c4, fr) // next filter row: 3 pixels on
		DECQ(r)
		JNZ(LabelRef(lp + "rows"))

		LEAQ(Mem{Base: po, Index: g, Scale: 1}, tp)
		for i, a := range acc {
			clamp(a, lo, hi)
			VMOVUPS(a, Mem{Base: tp})
			if i < len(acc)-1 {
				ADDQ(c4, tp)
			}
		}
		CMPQ(g, last)
		JEQ(LabelRef(lp + "done"))
		ADDQ(U8(s.Bytes()), g)
		CMPQ(g, last)
		CMOVQGT(last, g) // the last vector may overlap the one before
		JMP(LabelRef(lp + "chan"))
		Label(lp + "done")

		t := GP64()
		IMUL3Q(U32(len(px)), c4, t)
		ADDQ(t, po)
		if in := x0 + nb*stride; in != 0 {
			IMUL3Q(U32(in), ip, t)
			ADDQ(t, pi)
		}
	}

	// final emits the row's last run: j (0..run, in pixLeft) interior
	// pixels, the left border if left, the right one if padR.
	final := func(pfx string, left bool) {
		for _, right := range []bool{false, true} {
			rl := fmt.Sprintf("%sr%v", pfx, right)
			if !right {
				CMPQ(simd.ParamMem(Param("padR")), U8(0))
				JNE(LabelRef(pfx + "rtrue"))
			} else {
				Label(rl)
			}
			t := GP64()
			MOVQ(pixLeft, t)
			for nb := 0; nb <= run; nb++ {
				if nb == 0 && !left && !right {
					CMPQ(t, U8(0))
					JEQ(LabelRef("next"))
					continue
				}
				skip := fmt.Sprintf("%sn%d", rl, nb)
				CMPQ(t, U8(nb))
				JNE(LabelRef(skip))
				pass(fmt.Sprintf("%s_%d_", rl, nb), left, nb, right)
				JMP(LabelRef("next"))
				Label(skip)
			}
			JMP(LabelRef("next"))
		}
	}

	Label("row")
	{
		t := Load(Param("n"), GP64())
		MOVQ(t, pixLeft)
	}
	CMPQ(simd.ParamMem(Param("padL")), U8(0))
	JEQ(LabelRef("run"))
	CMPQ(pixLeft, U8(run))
	JBE(LabelRef("lastL"))
	pass("l", true, run, false)
	SUBQ(U8(run), pixLeft)

	Label("run")
	CMPQ(pixLeft, U8(run))
	JBE(LabelRef("last"))
	pass("b", false, run, false)
	SUBQ(U8(run), pixLeft)
	JMP(LabelRef("run"))

	Comment("The last run: at most run interior pixels and the borders.")
	Label("last")
	final("f", false)
	Label("lastL")
	final("g", true)

	Label("next")
	// pass leaves po and pi at the end of the row's pixels (pi before the
	// right pixel's input, which the skip counts from).
	ADDQ(simd.ParamMem(Param("outRowSkip")), po)
	ADDQ(simd.ParamMem(Param("inRowSkip")), pi)
	DECQ(rowsLeft)
	JNZ(LabelRef("row"))
	simd.Epilogue(nil)
}

// pixel emits depthwise3x3Pixel<ISA>.
func pixel(s *simd.ISA) {
	name := "depthwise3x3Pixel" + s.Name
	TEXT(name, NOSPLIT, "func(out, in, filter, bias []float32, c, rows, cols, rowBytes int, lo, hi float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %s version of Depthwise3x3Pixel; see depthwise_generic.go.", name, s.Name),
		"rowBytes is the input row stride in bytes; c >= 1, rows and cols in 1..3, slices long enough.")

	outp := Load(Param("out").Base(), GP64())
	inp := Load(Param("in").Base(), GP64())
	fp := Load(Param("filter").Base(), GP64())
	bp := Load(Param("bias").Base(), GP64())
	rem := Load(Param("c"), GP64())
	c4 := GP64()
	MOVQ(rem, c4)
	SHLQ(U8(2), c4)
	lo, hi := s.Vec(), s.Vec()
	VBROADCASTSS(simd.ParamMem(Param("lo")), lo)
	VBROADCASTSS(simd.ParamMem(Param("hi")), hi)

	body := func(pfx string, io vecIO) {
		acc := s.Vec()
		CMPQ(simd.ParamMem(Param("bias").Len()), U8(0))
		JEQ(LabelRef(pfx + "nobias"))
		io.load(Mem{Base: bp}, acc)
		JMP(LabelRef(pfx + "biasok"))
		Label(pfx + "nobias")
		s.Zero(acc)
		Label(pfx + "biasok")

		rp, fr, r := GP64(), GP64(), GP64()
		MOVQ(inp, rp)
		MOVQ(fp, fr)
		MOVQ(simd.ParamMem(Param("rows")), r)
		Label(pfx + "rows")
		tp, tf, k := GP64(), GP64(), GP64()
		MOVQ(rp, tp)
		MOVQ(fr, tf)
		MOVQ(simd.ParamMem(Param("cols")), k)
		Label(pfx + "cols")
		x, f := s.Vec(), s.Vec()
		io.load(Mem{Base: tp}, x)
		io.load(Mem{Base: tf}, f)
		VFMADD231PS(f, x, acc) // acc += x * f
		ADDQ(c4, tp)
		ADDQ(c4, tf)
		DECQ(k)
		JNZ(LabelRef(pfx + "cols"))
		ADDQ(simd.ParamMem(Param("rowBytes")), rp)
		LEAQ(Mem{Base: fr, Index: c4, Scale: 2}, fr)
		ADDQ(c4, fr)
		DECQ(r)
		JNZ(LabelRef(pfx + "rows"))
		clamp(acc, lo, hi)
		io.store(acc, Mem{Base: outp})
	}

	Label("chan")
	CMPQ(rem, U8(s.Lanes))
	JB(LabelRef("tail"))
	body("f", vecIO{s: s})
	for _, p := range []Register{outp, inp, fp, bp} {
		ADDQ(U8(s.Bytes()), p)
	}
	SUBQ(U8(s.Lanes), rem)
	JMP(LabelRef("chan"))

	Comment("The last c % lanes channels, masked.")
	Label("tail")
	TESTQ(rem, rem)
	JZ(LabelRef("done"))
	tm := s.TailMask(rem)
	body("t", vecIO{s: s, t: &tm})

	Label("done")
	simd.Epilogue(nil)
}
