package kernels

import (
	"github.com/facecluster/facecluster/asm"
)

// ConvSpec is the shape of a 2D convolution: the input [H, W, Cin], the
// filter [KH, KW, Cin, Cout] (TensorFlow's HWIO layout), the stride (the
// same along both axes), TensorFlow's padding, and the activation fused
// after the bias and residual.
type ConvSpec struct {
	H, W, Cin    int
	KH, KW, Cout int
	Stride       int
	Pad          Padding
	Act          Activation
	// OutPix is the output's pixel stride in elements: 0 (or Cout) for
	// a dense output, more to leave a gap after each pixel's Cout
	// channels (unwritten), as DepthwisePixelStride asks of a depthwise
	// layer's input. Only a 1x1 stride-1 convolution without a residual
	// takes a gap.
	OutPix int
}

// Output returns the output height and width, and the padding before (top,
// left) that TensorFlow applies: for SAME the smaller half of the total
// padding goes before, the extra row or column after (bottom, right).
func (s ConvSpec) Output() (oh, ow, padTop, padLeft int) {
	oh, padTop = WindowOutput(s.H, s.KH, s.Stride, s.Pad)
	ow, padLeft = WindowOutput(s.W, s.KW, s.Stride, s.Pad)
	return oh, ow, padTop, padLeft
}

// Conv2D computes TensorFlow's Conv2D of in by filter followed by the
// fused epilogue, for every output pixel (oy, ox) and channel co:
//
//	s := bias[co]                                // 0 if bias is nil
//	for ky, kx, ci:                              // taps in the padding are 0
//		s += in[oy*Stride+ky-padTop, ox*Stride+kx-padLeft, ci] * filter[ky, kx, ci, co]
//	s += res[oy, ox, co]                         // if res is not nil
//	out[oy, ox, co] = act(s)
//
// in is [H, W, Cin], filter [KH, KW, Cin, Cout], bias [Cout] or nil, res and
// out [oh, ow, Cout] with oh, ow from Output. res may be out itself (an
// in-place residual add) but must not otherwise overlap it; out must not
// overlap in. The summation order, and
// so the rounding, depends on the level; the result does not depend on
// SetThreads.
//
// It is a GEMM of the im2col matrix [oh*ow, KH*KW*Cin] by the filter read as
// [KH*KW*Cin, Cout]: a 1x1 convolution with stride 1 reads in as that
// matrix directly; one of KH*KW*Cin up to 1152 at a level with
// convolution micro-kernels (AVX2, AVX-512) whose tiles fit its rows reads
// each window from the input in place, filter row by filter row (from a
// zero-padded copy when it pads), in one pass; others copy blocks of im2col rows (sized for L2) into a reused
// buffer. The epilogue runs on each tile of the GEMM in registers
// before it is stored.
//
// It panics with a "kernels: " message on a dimension < 1, a stride < 1, an
// unknown padding or activation, or a slice shorter than its shape. It
// allocates nothing once warm (see the package doc).
func Conv2D(out, in, filter, bias, res []float32, s ConvSpec) {
	checkConv(s)
	if len(filter) < s.KH*s.KW*s.Cin*s.Cout {
		panic("kernels: Conv2D: insufficient length of filter")
	}
	conv2D(out, in, filter, nil, bias, res, s)
}

// PackedFilter is a Conv2D filter copied once into the panels that the GEMM
// micro-kernels of the level active when it was made read (see
// PackConvFilter), so that Conv2DPacked does not copy it on every call. It
// is immutable and safe for concurrent use.
type PackedFilter struct {
	spec   ConvSpec  // the shape it was packed for
	filter []float32 // the filter itself, for another level
	pb     *packedB
}

// PackConvFilter packs filter, [KH, KW, Cin, Cout] as Conv2D reads it, for
// Conv2DPacked calls with spec s (their H and W may differ from those of s,
// whose output size only chooses the micro-kernel's tile). The result holds
// KH*KW*Cin*Cout floats, rounded up to whole tiles, and a reference to
// filter, which must not change while it is in use.
//
// It panics like Conv2D on a bad spec or a short filter.
func PackConvFilter(filter []float32, s ConvSpec) *PackedFilter {
	checkConv(s)
	k := s.KH * s.KW * s.Cin
	if len(filter) < k*s.Cout {
		panic("kernels: PackConvFilter: insufficient length of filter")
	}
	oh, ow, _, _ := s.Output()
	filter = filter[:k*s.Cout]
	l := asm.ISA()
	// A filter deeper than one GEMM pass that the implicit GEMM takes is
	// packed in one pass, as it reads it.
	onePass := false
	if k > kcMax && k <= directKMax && forceKernel == nil && (s.KH > 1 || s.KW > 1 || s.Stride > 1) {
		_, _, onePass = directTiles(l, ow, pickKernel(l, oh*ow, s.Cout).NR)
	}
	return &PackedFilter{spec: s, filter: filter, pb: newPackedB(l, false, oh*ow, s.Cout, k, filter, s.Cout, onePass)}
}

// Bytes returns the size of the packed copy of the filter.
func (f *PackedFilter) Bytes() int { return 4 * len(f.pb.data) }

// Conv2DPacked is Conv2D with the filter packed in advance by
// PackConvFilter: the same result (up to rounding: the micro-kernel may
// differ) without copying the filter on each call. s must have the packed
// filter's shape (KH, KW, Cin, Cout); its input size, stride, padding and
// activation are free. At a level other than the one f was packed at
// (asm.SetISA in tests) it runs Conv2D on the filter f refers to.
//
// It panics like Conv2D, and on a filter shape other than f's.
func Conv2DPacked(out, in []float32, f *PackedFilter, bias, res []float32, s ConvSpec) {
	checkConv(s)
	if s.KH != f.spec.KH || s.KW != f.spec.KW || s.Cin != f.spec.Cin || s.Cout != f.spec.Cout {
		panic("kernels: Conv2DPacked: filter shape differs from the packed one")
	}
	pb := f.pb
	if pb.level != asm.ISA() {
		pb = nil
	}
	conv2D(out, in, f.filter, pb, bias, res, s)
}

// checkConv panics unless s is a valid convolution.
func checkConv(s ConvSpec) {
	if s.H < 1 || s.W < 1 || s.Cin < 1 || s.KH < 1 || s.KW < 1 || s.Cout < 1 {
		panic("kernels: Conv2D: dimension < 1")
	}
	if s.Stride < 1 {
		panic("kernels: Conv2D: stride < 1")
	}
	s.Act.bounds() // panics on an unknown activation
	s.Output()     // panics on an unknown padding
	if s.OutPix != 0 && s.OutPix != s.Cout && (s.OutPix < s.Cout || s.KH != 1 || s.KW != 1 || s.Stride != 1) {
		panic("kernels: Conv2D: OutPix below Cout or on a convolution other than 1x1 stride 1")
	}
}

// outPix returns the output pixel stride of s.
func (s ConvSpec) outPix() int {
	if s.OutPix == 0 {
		return s.Cout
	}
	return s.OutPix
}

// conv2D is Conv2D once s and the filter are checked, reading the filter
// from pb when it is not nil.
func conv2D(out, in, filter []float32, pb *packedB, bias, res []float32, s ConvSpec) {
	lo, hi := s.Act.bounds()
	oh, ow, pt, pl := s.Output()
	k := s.KH * s.KW * s.Cin
	if len(in) < s.H*s.W*s.Cin {
		panic("kernels: Conv2D: insufficient length of in")
	}
	if bias != nil && len(bias) < s.Cout {
		panic("kernels: Conv2D: insufficient length of bias")
	}
	m := oh * ow
	ldc := s.outPix()
	if len(out) < (m-1)*ldc+s.Cout {
		panic("kernels: Conv2D: insufficient length of out")
	}
	if res != nil && ldc != s.Cout {
		panic("kernels: Conv2D: a residual with OutPix")
	}
	if res != nil && len(res) < m*s.Cout {
		panic("kernels: Conv2D: insufficient length of res")
	}
	if m == 0 {
		return
	}

	st := convPool.Get()
	st.ep = epilogue{ldr: s.Cout, lo: lo, hi: hi, clamp: s.Act != ActNone}
	if bias != nil {
		st.ep.bias = bias[:s.Cout]
	}
	beta := float32(0)
	if res != nil {
		if &res[0] == &out[0] {
			// In place: the residual is C's initial value (beta = 1), so
			// that GEMM passes over a deep k cannot overwrite it early.
			beta = 1
		} else {
			st.ep.res = res[:m*s.Cout]
		}
	}

	// A filter packed in one deep pass serves the implicit GEMM only.
	gpb := pb
	if pb != nil && pb.kc != passDepth(k) {
		gpb = nil
	}
	if s.KH == 1 && s.KW == 1 && s.Stride == 1 {
		// The input is the im2col matrix.
		gemm(false, false, m, s.Cout, k, 1, in, s.Cin, filter, s.Cout, beta, out, ldc, &st.ep, gpb, Threads())
	} else if !st.direct(s, in, filter, pb, out, oh, ow, pt, pl, beta) {
		st.im2colGemm(s, in, filter, gpb, out, oh, ow, pt, pl, beta)
	}
	st.ep = epilogue{} // drop references to the caller's slices
	convPool.Put(st)
}

// im2colGemm runs the convolution as GEMMs over blocks of im2col rows, the
// blocks shared among goroutines.
func (st *convState) im2colGemm(s ConvSpec, in, filter []float32, pb *packedB, out []float32, oh, ow, pt, pl int, beta float32) {
	k, m := s.KH*s.KW*s.Cin, oh*ow
	p := &st.plan
	*p = convPlan{spec: s, oh: oh, ow: ow, pt: pt, pl: pl, k: k, m: m,
		in: in, filter: filter, pb: pb, out: out, ep: &st.ep, beta: beta}
	// Blocks of im2col rows of at most colBytes, a multiple of the tiles'
	// row counts; the GEMM of each block repacks the filter, so not too few.
	p.block = max(colAlign, colBytes/(4*k)/colAlign*colAlign)
	t := Threads()
	if serialProduct(2*float64(m)*float64(s.Cout)*float64(k), k*s.Cout) {
		t = 1
	}
	p.parts = (m + colAlign - 1) / colAlign
	if t > 1 && p.parts < 4*t && m <= p.block {
		// Too few rows to share out evenly: one block, its im2col on
		// this goroutine, its GEMM split across goroutines (by columns if
		// they are more).
		ar := getArena()
		ar.col = grow(ar.col, m*k)
		p.im2col(ar.col, 0, m)
		gemm(false, false, m, s.Cout, k, 1, ar.col, k, filter, s.Cout, beta, out, s.Cout, &st.ep, pb, t)
		arenaPool.Put(ar)
	} else {
		t = min(t, p.parts)
		p.chunks.reset(t)
		if t > 1 && m*s.Cout*k < smallProduct/2 {
			p.chunks.reset(min(p.parts, smallParts*t))
		}
		parallel(p, t, &st.tk)
	}
	*p = convPlan{}
}

const (
	colBytes = 512 << 10 // im2col block (in L2 while its GEMM runs)
	colAlign = 56        // block and share boundaries: a multiple of 8 and 14 rows
)

type convState struct {
	plan  convPlan
	dplan directPlan
	ep    epilogue
	tk    task
	bp    []float32 // the filter packed for a direct convolution
	pad   []float32 // the zero-padded input of a direct convolution
}

var convPool freeList[convState]

// convPlan is one im2col convolution, shared read-only by its goroutines.
type convPlan struct {
	spec           ConvSpec
	oh, ow, pt, pl int
	k, m           int // GEMM depth and rows (output pixels)
	in, filter     []float32
	pb             *packedB // the filter packed in advance, or nil
	out            []float32
	ep             *epilogue
	beta           float32 // 1 for an in-place residual
	block          int     // im2col rows per GEMM
	parts          int     // units of colAlign rows
	chunks         parts   // contiguous ranges of units, taken in turn
}

// run computes chunks (contiguous ranges of output pixels) until none is
// left, block by block: im2col into the arena, then a serial GEMM with the
// epilogue.
func (p *convPlan) run(ar *gemmArena) {
	for {
		c, ok := p.chunks.take()
		if !ok {
			return
		}
		p.runRows(ar, c*p.parts/p.chunks.n*colAlign, min(p.m, (c+1)*p.parts/p.chunks.n*colAlign))
	}
}

// runRows computes output pixels [r0, r1).
func (p *convPlan) runRows(ar *gemmArena, r0, r1 int) {
	n := p.spec.Cout
	ar.col = grow(ar.col, p.block*p.k)
	for b0 := r0; b0 < r1; b0 += p.block {
		rows := min(p.block, r1-b0)
		col := ar.col[:rows*p.k]
		p.im2col(col, b0, rows)
		ep := &ar.cep
		*ep = *p.ep
		if ep.res != nil {
			ep.res = ep.res[b0*n:]
		}
		gemm(false, false, rows, n, p.k, 1, col, p.k, p.filter, n, p.beta, p.out[b0*n:], n, ep, p.pb, 1)
		*ep = epilogue{}
	}
}

// im2col writes rows [r0, r0+rows) of the im2col matrix into col: row r is
// output pixel (r/ow, r%ow), its KH*KW*Cin taps in filter order, zeros
// where the window leaves the input.
func (p *convPlan) im2col(col []float32, r0, rows int) {
	s := &p.spec
	cin, k := s.Cin, p.k
	rowLen := s.KW * cin
	for r := range rows {
		oy, ox := (r0+r)/p.ow, (r0+r)%p.ow
		dst := col[r*k : (r+1)*k]
		x0 := ox*s.Stride - p.pl
		kx0, kx1 := max(0, -x0), min(s.KW, s.W-x0) // taps inside the input
		for ky := range s.KH {
			d := dst[ky*rowLen : (ky+1)*rowLen]
			y := oy*s.Stride - p.pt + ky
			if y < 0 || y >= s.H || kx0 >= kx1 {
				clear(d)
				continue
			}
			clear(d[:kx0*cin])
			src := p.in[(y*s.W+x0+kx0)*cin : (y*s.W+x0+kx1)*cin]
			copy(d[kx0*cin:kx1*cin], src)
			clear(d[kx1*cin:])
		}
	}
}

// direct runs the convolution as an implicit GEMM if the level has a
// convolution micro-kernel for it (asm.SgemmConvKernel): the kernel reads
// each output pixel's window from the input in place (or from a zero-padded
// copy when the convolution pads), filter row by filter row, so no im2col
// rows are written. Each output row is a run of tiles along x; the depth
// must fit one pass (KH*KW*Cin <= kcMax), and the row width must waste
// little of the tiles. It reports whether it ran.
func (st *convState) direct(s ConvSpec, in, filter []float32, pb *packedB, out []float32, oh, ow, pt, pl int, beta float32) bool {
	k := s.KH * s.KW * s.Cin
	if k > directKMax || forceKernel != nil {
		return false
	}
	l := asm.ISA()
	nr := 0
	if pb != nil {
		nr = pb.kern.NR
		if pb.kc != k {
			return false // packed in passes
		}
	} else {
		nr = pickKernel(l, oh*ow, s.Cout).NR
	}
	ck, ck2, ok := directTiles(l, ow, nr)
	if !ok {
		return false
	}
	p := &st.dplan
	*p = directPlan{spec: s, oh: ow, ow: ow, k: k, out: out, ep: &st.ep, beta: beta, ck: ck, ck2: ck2}
	p.oh = oh
	if pb != nil {
		p.bp = pb.data[:k*pb.npad]
	} else {
		npad := (s.Cout + nr - 1) / nr * nr
		st.bp = grow(st.bp, k*npad)
		g := gemmPlan{n: s.Cout, k: k, b: filter, ldb: s.Cout, kern: asm.SgemmKernel{NR: nr}}
		g.packB(st.bp, 0, k, 0, s.Cout)
		p.bp = st.bp
	}
	// The input the windows are read from: in itself if no window leaves
	// it (and the last tile's unused rows stay inside it), else a copy
	// with the padding, and MR windows of slack, as zeros.
	hp, wp := (oh-1)*s.Stride+s.KH, (ow-1)*s.Stride+s.KW
	c := s.Cin
	span := ow / ck.MR * ck.MR // pixels whose windows a row's tiles read
	if span < ow {
		span += ck2.MR
	}
	p.src, p.ws = in, s.W
	if pt > 0 || pl > 0 || hp > s.H || wp > s.W || ((oh-1)*s.Stride*s.W+(span-1)*s.Stride+(s.KH-1)*s.W+s.KW)*c > len(in) {
		st.pad = grow(st.pad, hp*wp*c+(span-ow)*s.Stride*c)
		buf := st.pad
		for y := range hp {
			row := buf[y*wp*c : (y+1)*wp*c]
			iy := y - pt
			if iy < 0 || iy >= s.H {
				clear(row)
				continue
			}
			x0, x1 := max(0, pl), min(wp, s.W+pl) // columns inside the input
			clear(row[:x0*c])
			copy(row[x0*c:x1*c], in[(iy*s.W+x0-pl)*c:(iy*s.W+x1-pl)*c])
			clear(row[x1*c:])
		}
		clear(buf[hp*wp*c:])
		p.src, p.ws = buf, wp
	}
	t := Threads()
	if serialProduct(2*float64(oh*ow)*float64(s.Cout)*float64(k), k*s.Cout) {
		t = 1
	}
	t = min(t, oh)
	p.chunks.reset(t)
	if t > 1 && oh*ow*s.Cout*k < smallProduct/2 {
		p.chunks.reset(min(oh, smallParts*t))
	}
	parallel(p, t, &st.tk)
	*p = directPlan{}
	return true
}

// directPlan is one implicit-GEMM convolution, shared read-only by its
// goroutines.
type directPlan struct {
	spec   ConvSpec
	oh, ow int
	k      int
	src    []float32 // the input, or its padded copy
	ws     int       // row length of src in pixels
	bp     []float32 // the filter packed in slivers of NR (one pass)
	out    []float32
	ep     *epilogue
	beta   float32
	ck     asm.SgemmConvKernel // the tile of a row's first ow/MR runs
	ck2    asm.SgemmConvKernel // the tile of its remaining pixels
	chunks parts               // contiguous ranges of output rows, taken in turn
}

// directKMax is the deepest convolution the implicit GEMM runs, in one pass
// (its A, a few input rows, stays in L1 at any depth; a sliver of B streams
// from L2).
const directKMax = 3 * kcMax

// directTiles returns the convolution micro-kernels of level l and width nr
// that waste least on a row of ow output pixels, as pickKernel weighs
// them: ck for the row's first ow/ck.MR tiles, ck2 for the rest (a 17-pixel
// row is 9+8); ok is false if the level has none or they waste too much.
func directTiles(l asm.Level, ow, nr int) (ck, ck2 asm.SgemmConvKernel, ok bool) {
	cost := func(mr int) float64 { return float64(mr) * (1 + 0.4/float64(mr)) }
	ks := asm.SgemmConvKernelsFor(l)
	best := 0.0
	for _, c := range ks {
		if c.NR != nr {
			continue
		}
		full, rest := ow/c.MR, ow%c.MR
		t, tc := c, 0.0 // the tail tile: the cheapest of at least rest rows
		if rest > 0 {
			for _, d := range ks {
				if d.NR == nr && d.MR >= rest && (tc == 0 || cost(d.MR) < tc) {
					t, tc = d, cost(d.MR)
				}
			}
		}
		if total := float64(full)*cost(c.MR) + tc; ck.MR == 0 || total < best {
			ck, ck2, best = c, t, total
		}
	}
	return ck, ck2, ck.MR != 0 && best <= 1.15*float64(ow)
}

// run computes chunks (contiguous ranges of output rows, each a run of
// tiles along x) until none is left.
func (p *directPlan) run(ar *gemmArena) {
	for {
		c, ok := p.chunks.take()
		if !ok {
			return
		}
		p.runRows(ar, c*p.oh/p.chunks.n, (c+1)*p.oh/p.chunks.n)
	}
}

// runRows computes output rows [y0, y1).
func (p *directPlan) runRows(ar *gemmArena, y0, y1 int) {
	s := &p.spec
	n, c, mr, nr := s.Cout, s.Cin, p.ck.MR, p.ck.NR
	kin, rsa, jump := s.KW*c, s.Stride*c, p.ws*c
	kep := &ar.kep
	kep.Lo, kep.Hi, kep.Clamp, kep.LdRes = p.ep.lo, p.ep.hi, p.ep.clamp, p.ep.ldr
	// A Rows kernel takes a row's full tiles in one call per column of
	// tiles (see asm.SgemmConvKernel.Rows).
	full := 0
	if p.ck.Rows && p.ow >= 2*mr {
		full = p.ow / mr * mr
	}
	for oy := y0; oy < y1; oy++ {
		if full > 0 {
			a := p.src[oy*s.Stride*p.ws*c:]
			px := oy * p.ow
			for j := 0; j < n; j += nr {
				p.ep.point(kep, px, j)
				p.ck.RunPartial(kin, s.KH, a, rsa, jump, p.bp[j*p.k:], nr, p.out[px*n+j:], n, p.beta, kep, full, min(nr, n-j))
			}
		}
		for ox := full; ox < p.ow; ox += mr {
			kn := &p.ck
			if p.ow-ox < mr {
				kn = &p.ck2
			}
			mt := min(kn.MR, p.ow-ox)
			a := p.src[(oy*s.Stride*p.ws+ox*s.Stride)*c:]
			px := oy*p.ow + ox
			for j := 0; j < n; j += nr {
				p.ep.point(kep, px, j)
				kn.RunPartial(kin, s.KH, a, rsa, jump, p.bp[j*p.k:], nr, p.out[px*n+j:], n, p.beta, kep, mt, min(nr, n-j))
			}
		}
	}
	*kep = asm.SgemmEpilogue{}
}
