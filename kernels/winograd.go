package kernels

import "github.com/facecluster/facecluster/asm"

// Winograd convolution: a 3x3 stride-1 SAME convolution as Winograd's
// F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016): each 2x2 block of output pixels from its 4x4 input tile
// d through
//
//	Y = A^T [ U .* (B^T d B) ] A,   U = G g G^T per input and output channel
//
// 16 multiplies per block and channel pair where the direct convolution
// takes 36: the 16 products, summed over input channels, are 16 GEMMs of
// [tiles, Cin] by [Cin, Cout]. The transforms are asm.WinogradInput and
// asm.WinogradOutput; B^T and A^T are in asm/winograd.go, and
//
//	G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//
// The result differs from Conv2D's by rounding only (the transforms add
// and subtract inputs of like magnitude: F(2x2, 3x3) loses about one bit).

// WinogradFilter is a 3x3 filter transformed for Conv2DWinograd (U, 16
// matrices [Cin, Cout]) and packed for its GEMMs at the level active when
// it was made, with a reference to the filter itself (which must not
// change while it is in use). It is immutable and safe for concurrent use.
type WinogradFilter struct {
	spec   ConvSpec
	filter []float32    // the filter itself, for another level
	u      [16]*packedB // U_k = (G g G^T)[k/4][k%4], [Cin, Cout], packed for a band's GEMM
	level  asm.Level    // the level u is packed for
	band   int          // tile rows per band
}

// WinogradSupported reports whether Conv2DWinograd computes convolutions
// of spec s: 3x3, stride 1, SAME padding, a dense output.
func WinogradSupported(s ConvSpec) bool {
	return s.KH == 3 && s.KW == 3 && s.Stride == 1 && s.Pad == Same && (s.OutPix == 0 || s.OutPix == s.Cout)
}

// winoBandBytes is the target size of a band's transformed input and GEMM
// sums (16 matrices each), kept in L2 between the steps.
var winoBandBytes = 384 << 10

// winoTiles returns the tile rows and columns of an h x w output.
func winoTiles(h, w int) (th, tw int) { return (h + 1) / 2, (w + 1) / 2 }

// PackWinogradFilter transforms filter, [3, 3, Cin, Cout] as Conv2D reads
// it, for Conv2DWinograd calls with spec s (their H and W may differ from
// those of s, which size the bands). It panics unless WinogradSupported(s)
// and filter holds 9*Cin*Cout elements.
func PackWinogradFilter(filter []float32, s ConvSpec) *WinogradFilter {
	checkConv(s)
	if !WinogradSupported(s) {
		panic("kernels: PackWinogradFilter: not a 3x3 stride-1 SAME convolution")
	}
	ci, co := s.Cin, s.Cout
	if len(filter) < 9*ci*co {
		panic("kernels: PackWinogradFilter: insufficient length of filter")
	}
	filter = filter[:9*ci*co]
	l := asm.ISA()
	th, tw := winoTiles(s.H, s.W)
	f := &WinogradFilter{spec: s, filter: filter, level: l, band: max(1, min(th, winoBandBytes/(16*4*(ci+co)*tw)))}
	// U in scratch, of which only the packing (the GEMMs' B) is kept.
	u := make([]float32, 16*ci*co)
	for c := range ci {
		for o := range co {
			for k, v := range winoFilterTile(filter, ci, co, c, o) {
				u[k*ci*co+c*co+o] = float32(v)
			}
		}
	}
	for k := range f.u {
		f.u[k] = newPackedB(l, false, f.band*tw, co, ci, u[k*ci*co:(k+1)*ci*co], co, false)
	}
	return f
}

// winoFilterTile returns U = G g G^T in float64 for input channel c and
// output channel o of filter ([3, 3, ci, co]), element (i, j) at 4*i+j.
func winoFilterTile(filter []float32, ci, co, c, o int) (u [16]float64) {
	g := [4][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	for i := range 4 {
		for j := range 4 {
			for ky := range 3 {
				for kx := range 3 {
					u[4*i+j] += g[i][ky] * float64(filter[((ky*3+kx)*ci+c)*co+o]) * g[j][kx]
				}
			}
		}
	}
	return u
}

// Bytes returns the size of the transformed filter's packing.
func (f *WinogradFilter) Bytes() int {
	n := 0
	for _, p := range f.u {
		n += 4 * len(p.data)
	}
	return n
}

// Conv2DWinograd is Conv2D of a 3x3 stride-1 SAME convolution with the
// filter transformed by PackWinogradFilter: the same result up to rounding
// (see the Winograd notes above), in less than half the multiply-adds. The
// output is split in bands of rows, shared among SetThreads goroutines;
// each band's input tiles are transformed into scratch, multiplied by U
// (16 GEMMs) and transformed back with the epilogue (bias, residual,
// activation) while they are in cache. res may be out (in place).
//
// It panics like Conv2D, and on a spec WinogradSupported rejects or whose
// channels differ from f's.
func Conv2DWinograd(out, in []float32, f *WinogradFilter, bias, res []float32, s ConvSpec) {
	checkConv(s)
	if !WinogradSupported(s) || s.Cin != f.spec.Cin || s.Cout != f.spec.Cout {
		panic("kernels: Conv2DWinograd: spec unsupported or unlike the filter's")
	}
	h, w, ci, co := s.H, s.W, s.Cin, s.Cout
	if len(in) < h*w*ci {
		panic("kernels: Conv2D: insufficient length of in")
	}
	if bias != nil && len(bias) < co {
		panic("kernels: Conv2D: insufficient length of bias")
	}
	if len(out) < h*w*co || res != nil && len(res) < h*w*co {
		panic("kernels: Conv2D: insufficient length of out or res")
	}
	if f.level != asm.ISA() {
		// Packed for another level (asm.SetISA in tests): the direct
		// convolution of the filter itself.
		conv2D(out, in, f.filter, nil, bias, res, s)
		return
	}
	th, tw := winoTiles(h, w)
	st := winoPool.Get()
	p := &st.plan
	*p = winoPlan{f: f, s: s, th: th, tw: tw, out: out, res: res}
	p.lo, p.hi = s.Act.bounds()
	// The input zero-padded to whole tiles: one pixel before, one or two
	// after, each way.
	p.wp = 2*tw + 2
	st.pad = grow(st.pad, (2*th+2)*p.wp*ci)
	pad := st.pad
	clear(pad[:p.wp*ci])
	for y := range h {
		row := pad[(y+1)*p.wp*ci : (y+2)*p.wp*ci]
		clear(row[:ci])
		copy(row[ci:], in[y*w*ci:(y+1)*w*ci])
		clear(row[(w+1)*ci:])
	}
	clear(pad[(h+1)*p.wp*ci:])
	p.in = pad
	if bias == nil {
		st.zero = grow(st.zero, co)
		clear(st.zero)
		bias = st.zero
	}
	p.bias = bias[:co]
	p.rows = f.band
	if s.H != f.spec.H || s.W != f.spec.W {
		p.rows = max(1, min(th, winoBandBytes/(16*4*(ci+co)*tw)))
	}
	t := Threads()
	if 2*float64(h*w)*float64(9*ci*co) < 4e6 {
		t = 1
	}
	if t > 1 {
		// The band height at most the packed one whose share of the tile
		// rows is the smallest on the busiest goroutine (bands taken in
		// turn), the tallest of those (the bands only split the tiles:
		// the result is the same).
		best, cost := p.rows, th
		for r := p.rows; r >= 1; r-- {
			if c := ((th+r-1)/r + t - 1) / t * r; c < cost {
				best, cost = r, c
			}
		}
		p.rows = best
	}
	bands := (th + p.rows - 1) / p.rows
	t = min(t, bands)
	p.parts.reset(bands)
	parallel(p, t, &st.tk)
	*p = winoPlan{}
	winoPool.Put(st)
}

// winoPlan is one Winograd convolution, shared read-only by its goroutines
// (but for parts).
type winoPlan struct {
	f          *WinogradFilter
	s          ConvSpec
	th, tw, wp int // tile rows and columns; padded input row in pixels
	rows       int // tile rows per band
	in         []float32
	out, res   []float32
	bias       []float32
	lo, hi     float32
	parts      parts
}

type winoState struct {
	plan winoPlan
	tk   task
	pad  []float32 // the zero-padded input
	zero []float32 // Cout zeros: the bias when there is none
}

var winoPool freeList[winoState]

// run computes bands until none is left.
func (p *winoPlan) run(ar *gemmArena) {
	for {
		b, ok := p.parts.take()
		if !ok {
			return
		}
		p.band(ar, b)
	}
}

// band computes tile rows [b*rows, (b+1)*rows) (output rows twice those).
func (p *winoPlan) band(ar *gemmArena, b int) {
	s, f := p.s, p.f
	ci, co, tw, w := s.Cin, s.Cout, p.tw, s.W
	ty0 := b * p.rows
	ty1 := min(ty0+p.rows, p.th)
	nt := (ty1 - ty0) * tw // tiles in the band
	ar.wv = grow(ar.wv, 16*nt*ci)
	ar.wm = grow(ar.wm, 16*nt*co)
	v, m := ar.wv, ar.wm
	ldi := p.wp * ci
	for ty := ty0; ty < ty1; ty++ {
		asm.WinogradInput(v[(ty-ty0)*tw*ci:], nt*ci, p.in[2*ty*ldi:], ldi, ci, tw)
	}
	for k, pb := range f.u {
		gemm(false, false, nt, co, ci, 1, v[k*nt*ci:(k+1)*nt*ci], ci, nil, co, 0, m[k*nt*co:(k+1)*nt*co], co, nil, pb, 1)
	}
	ldo := w * co
	for ty := ty0; ty < ty1; ty++ {
		rows := min(2, s.H-2*ty)
		o := p.out[2*ty*ldo:]
		var r []float32
		if p.res != nil {
			r = p.res[2*ty*ldo:]
		}
		asm.WinogradOutput(o, ldo, m[(ty-ty0)*tw*co:], nt*co, co, w, rows, p.bias, r, ldo, p.lo, p.hi)
	}
}
