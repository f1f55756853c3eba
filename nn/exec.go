package nn

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/facecluster/facecluster/kernels"
)

// ErrUnsupported is returned by NewExecutor for a valid model that uses a
// layer configuration the kernels do not implement (for example a depthwise
// convolution other than 3x3, or unequal strides).
var ErrUnsupported = errors.New("nn: layer not supported by the executor")

// ErrInput is returned by Run for inputs of the wrong number or size.
var ErrInput = errors.New("nn: wrong inputs")

// Executor runs a Model on package kernels. NewExecutor plans the model
// once: the order of the layers (the file's), the buffer of every value in
// one arena (a buffer is reused once the values it holds are dead), and the
// fusions the graph allows:
//
//   - a convolution's residual add and activation run in the GEMM's epilogue
//     (kernels.Conv2D); when the residual is dead after the convolution, the
//     convolution writes its output over the residual in place, so a Pad
//     that only feeds a residual writes straight into the convolution's
//     output buffer, and the padded sum costs no extra pass or buffer;
//   - Reshape is a relabelling: its value shares its input's buffer;
//   - Add writes over an input that is dead after it;
//   - a 3x3 stride-1 SAME convolution on a map of at least winoMinTiles
//     2x2 tiles runs by Winograd F(2x2, 3x3) (kernels.Conv2DWinograd, its
//     filter transformed here), in 16 multiply-adds per tile and channel
//     pair instead of 36;
//   - MatMul is a 1x1 convolution with its bias and activation fused;
//   - a 3x3 depthwise convolution whose output only feeds the next layer, a
//     1x1 convolution, runs with it band by band (kernels'
//     DepthwiseConv2D3x3Rows into a scratch band the 1x1 convolution reads
//     from cache) when its output is large and the 1x1 filter small, so the
//     depthwise output is never written to memory in full;
//   - a 1x1 convolution that writes a depthwise layer's input (and nothing
//     else reads it) writes it at the pixel stride the depthwise kernels
//     read fastest (kernels.DepthwisePixelStride: a cache line of gap after
//     each pixel of 256, 512 or 1024 channels, whose pixels would otherwise
//     crowd a few L1 sets), so no layer copies it.
//
// With more than one kernel thread (kernels.SetThreads), convolutions split
// their GEMMs, and depthwise layers, fused or not, share their bands among
// goroutines (kernels' depthwise is single-threaded).
//
// The graph inputs are read in place from the caller's slices (never
// written), so Run copies nothing in.
//
// Convolution and MatMul weights are packed once, here, into the panels
// the GEMM micro-kernels read (kernels.PackConvFilter, for the level active
// at NewExecutor), so no inference copies a filter; the file's own layout
// (HWIO: the GEMM's [KH*KW*Cin, Cout] operand) is kept for depthwise
// layers and as the fallback at another level. The packed copies cost
// about as much memory as the weights (PackedBytes).
//
// An Executor is immutable and safe for concurrent use: Run takes a Session
// (the per-goroutine state: the arena) from a pool. A goroutine that runs
// the model in a loop can hold its own Session instead (NewSession).
type Executor struct {
	m      *Model
	steps  []step
	arena  int   // floats of one session's arena
	off    []int // per value: arena offset, or -1 - i for graph input i
	bind   []int // values stored in a graph input's buffer
	inSize []int // elements of each graph input
	band   int   // floats of the largest fused depthwise band
	fused  []bool
	pix    []int // per value: its pixel stride if not dense, else 0
	elems  []int // per value: floats of its buffer
	packed int   // bytes of packed filters
	pool   sync.Pool
}

// step is one planned layer.
type step struct {
	l       *Layer
	kind    stepKind
	in, out int // value ids
	other   int // residual or second Add input; -1 if none
	inPlace bool
	batch   int
	xs, os  []int // input and output shapes (without alias)
	conv    kernels.ConvSpec
	w, b    []float32
	pf      *kernels.PackedFilter   // w packed (Conv2D, MatMul)
	wf      *kernels.WinogradFilter // w transformed (Conv2D by Winograd), else nil
	// A depthwise convolution fused with the 1x1 convolution after it
	// (kind stepDwConv; the step of the 1x1 layer is then stepFused): the
	// depthwise output is computed band by band into a scratch band that
	// the 1x1 convolution reads while it is in cache.
	pw             *Layer
	pwW, pwB       []float32
	pwPF           *kernels.PackedFilter // pwW packed for a band
	pwOut          int                   // value the pair defines
	bandRows, band int                   // output rows per band, bands per image
}

type stepKind uint8

const (
	stepConv stepKind = iota
	stepDepthwise
	stepMaxPool
	stepAvgPool
	stepPad
	stepAdd
	stepMean
	stepMatMul
	stepNop    // Reshape
	stepDwConv // depthwise + the following 1x1 convolution, by bands
	stepFused  // the 1x1 convolution of a stepDwConv (nothing to do)
)

// bandBytes is the target size of a fused depthwise band (kept in L2 with
// the band of the 1x1 convolution's output), and bandFlops caps the 1x1
// convolution's work per band so that each band's GEMM stays on one
// goroutine (kernels.Conv2D splits larger ones).
// (Variables so that tests can force many small bands.) A depthwise
// output of fewer than fuseMinBytes, or a 1x1 filter of more than
// fuseMaxWeights bytes, is not fused. A depthwise layer that is not fused
// is still shared among goroutines by bands of at least dwBandElems
// outputs.
// winoMinTiles is the fewest 2x2 output tiles of a 3x3 stride-1 SAME
// convolution that runs by Winograd (kernels.Conv2DWinograd): on smaller
// maps its 16 GEMMs are too thin, and its filter, 16/9 the size, streams
// from memory (AVX-512, one thread: dlib's 8x8x128 layers 1.9x faster,
// 4x4x256 ones 8% slower).
const winoMinTiles = 16

var (
	bandBytes      = 96 << 10
	bandFlops      = 3.5e6
	fuseMinBytes   = 256 << 10
	fuseMaxWeights = 64 << 10
	dwBandElems    = 16 << 10
)

// align is the alignment of arena buffers in floats (64 bytes).
const align = 16

// noBuffer is the offset of a value that is never materialised (the
// output of a fused depthwise convolution).
const noBuffer = math.MinInt

// NewExecutor plans m for the kernels. It fails with ErrUnsupported if a
// layer has a configuration the kernels lack.
func NewExecutor(m *Model) (*Executor, error) {
	e := &Executor{m: m}
	if err := e.plan(); err != nil {
		return nil, err
	}
	e.pool.New = func() any { return e.NewSession() }
	return e, nil
}

// Model returns the model e runs.
func (e *Executor) Model() *Model { return e.m }

// FusedWithNext reports whether layer i runs fused with layer i+1 (a
// depthwise and a 1x1 convolution); Session.Times then gives the pair's
// time to layer i.
func (e *Executor) FusedWithNext(i int) bool { return i >= 0 && i < len(e.fused) && e.fused[i] }

// ArenaBytes returns the size of one session's activation arena in bytes.
func (e *Executor) ArenaBytes() int { return 4 * e.arena }

// PackedBytes returns the size of the filters e packed for the GEMM
// micro-kernels, in bytes (shared by all sessions).
func (e *Executor) PackedBytes() int { return e.packed }

// pack packs a convolution or MatMul filter for calls of spec s.
func (e *Executor) pack(w []float32, s kernels.ConvSpec) *kernels.PackedFilter {
	f := kernels.PackConvFilter(w, s)
	e.packed += f.Bytes()
	return f
}

func (e *Executor) plan() error {
	m := e.m
	nv := len(m.Values)
	// Last layer reading each value; outputs live to the end.
	last := make([]int, nv)
	for i := range last {
		last[i] = -1
	}
	for i := range m.Layers {
		for _, v := range m.Layers[i].In {
			last[v] = i
		}
	}
	for _, v := range m.Outputs {
		last[v] = len(m.Layers)
	}
	// Fuse a 3x3 depthwise convolution (no residual) with the next layer
	// when that is a 1x1 stride-1 convolution, the depthwise output's only
	// reader, if the depthwise output is too large to stay in cache and the
	// 1x1 filter small enough for the GEMM to repack it per band. The
	// depthwise input is then read until the 1x1 layer is done.
	e.fused = make([]bool, len(m.Layers))
	uses := make([]int, nv)
	for i := range m.Layers {
		for _, v := range m.Layers[i].In {
			uses[v]++
		}
	}
	for i := 0; i+1 < len(m.Layers); i++ {
		dw, pw := &m.Layers[i], &m.Layers[i+1]
		if dw.Op == OpDepthwiseConv2D && len(dw.In) == 1 && dw.KH == 3 && dw.KW == 3 && dw.SH == dw.SW && dw.SH <= 2 &&
			pw.Op == OpConv2D && pw.KH == 1 && pw.KW == 1 && pw.SH == 1 && pw.SW == 1 &&
			pw.In[0] == dw.Out && uses[dw.Out] == 1 && last[dw.Out] == i+1 &&
			4*m.Values[dw.Out].Elems() >= fuseMinBytes && 4*len(pw.Weights.Data) <= fuseMaxWeights {
			e.fused[i] = true
			last[dw.In[0]] = max(last[dw.In[0]], i+1)
			i++
		}
	}
	// Pixel strides: a depthwise layer's input written by a 1x1
	// convolution for it alone is stored with the pixel stride the
	// depthwise kernels read fastest (kernels.DepthwisePixelStride: a gap
	// after each pixel where pixels c apart would crowd a few L1 sets);
	// every other value is dense.
	e.pix = make([]int, nv)
	prod := make([]int, nv)
	for i := range prod {
		prod[i] = -1
	}
	for i := range m.Layers {
		prod[m.Layers[i].Out] = i
	}
	for i := range m.Layers {
		dw := &m.Layers[i]
		if dw.Op != OpDepthwiseConv2D || len(dw.In) != 1 {
			continue
		}
		v := dw.In[0]
		j := prod[v]
		if j < 0 || uses[v] != 1 || last[v] != i || (j > 0 && e.fused[j-1]) {
			continue
		}
		pw := &m.Layers[j]
		shape := m.Values[v].Shape
		if pw.Op != OpConv2D || pw.KH != 1 || pw.KW != 1 || pw.SH != 1 || pw.SW != 1 || pw.Residual() >= 0 || len(shape) != 4 {
			continue
		}
		if p := kernels.DepthwisePixelStride(shape[3]); p > shape[3] {
			e.pix[v] = p
		}
	}
	e.elems = make([]int, nv)
	for v := range e.elems {
		e.elems[v] = m.Values[v].Elems()
		if p := e.pix[v]; p != 0 {
			shape := m.Values[v].Shape
			e.elems[v] = e.elems[v] / shape[3] * p
		}
	}

	// Storage: each value is stored in a buffer; aliases (Reshape, in-place
	// layers) share one. A buffer is free once all its values are dead.
	type buffer struct {
		size, off int
		last      int // last use of any value stored in it
		external  int // graph input index, or -1
		slot      int
	}
	var bufs []*buffer
	store := make([]*buffer, nv)
	for i, v := range m.Inputs {
		b := &buffer{size: m.Values[v].Elems(), last: last[v], external: i, slot: -1}
		bufs = append(bufs, b)
		store[v] = b
		e.inSize = append(e.inSize, m.Values[v].Elems())
	}
	// Slots of the arena: reused by buffers that do not overlap in time.
	type slot struct {
		size int
		free bool
	}
	var slots []slot
	var active []*buffer
	take := func(size int) int {
		// The smallest free slot that fits, else the largest free one (grown).
		best, fits := -1, false
		for i, s := range slots {
			switch {
			case !s.free:
			case s.size >= size:
				if !fits || s.size < slots[best].size {
					best, fits = i, true
				}
			case !fits && (best < 0 || s.size > slots[best].size):
				best = i
			}
		}
		if best < 0 {
			slots = append(slots, slot{})
			best = len(slots) - 1
		}
		slots[best].free = false
		slots[best].size = max(slots[best].size, size)
		return best
	}

	for i := range m.Layers {
		l := &m.Layers[i]
		s := step{l: l, in: l.In[0], out: l.Out, other: -1, batch: 1}
		xs, os := m.Values[l.In[0]].Shape, m.Values[l.Out].Shape
		s.xs, s.os = xs, os
		if len(xs) > 0 {
			s.batch = xs[0]
		}
		unsupported := func(format string, args ...any) error {
			return fmt.Errorf("%w: layer %d (%s %q): "+format, append([]any{ErrUnsupported, i, l.Op, l.Name}, args...)...)
		}
		if l.Weights != nil {
			s.w = l.Weights.Data
		}
		if l.Bias != nil {
			s.b = l.Bias.Data
		}
		var alias *buffer // buffer the output shares, if any
		switch l.Op {
		case OpConv2D:
			s.kind = stepConv
			if l.SH != l.SW {
				return unsupported("strides %dx%d", l.SH, l.SW)
			}
			s.conv = kernels.ConvSpec{H: xs[1], W: xs[2], Cin: xs[3], KH: l.KH, KW: l.KW, Cout: os[3],
				Stride: l.SH, Pad: kernels.Padding(l.Padding), Act: kernels.Activation(l.Act), OutPix: e.pix[l.Out]}
			if oh, ow, _, _ := s.conv.Output(); oh != os[1] || ow != os[2] {
				return unsupported("kernels give a %dx%d output, the model %dx%d", oh, ow, os[1], os[2])
			}
			reads := store[l.In[0]]
			if i > 0 && e.fused[i-1] {
				// The second half of a fused pair: the 1x1 convolution
				// reads the depthwise input's bands.
				dw := &e.steps[i-1]
				reads = store[dw.in]
				s.kind = stepFused
				dw.pw, dw.pwW, dw.pwB, dw.pwOut, dw.conv = l, s.w, s.b, l.Out, s.conv
				oh, ow, c := dw.os[1], dw.os[2], dw.os[3]
				perRow := ow * max(c, os[3]) * 4
				rows := max(1, min(bandBytes/perRow, int(bandFlops/(2*float64(ow*c*os[3])))), (64+ow-1)/ow)
				dw.bandRows = min(rows, oh)
				dw.band = (oh + dw.bandRows - 1) / dw.bandRows
				e.band = max(e.band, dw.bandRows*ow*c)
				spec := s.conv
				spec.H = dw.bandRows
				dw.pwPF = e.pack(s.w, spec)
			} else {
				if c := s.conv; c.H == 1 && c.W == 1 && oh1(c) {
					// A 1x1 map in, a 1x1 map out: every tap but one
					// falls in the padding, so the layer is the 1x1
					// convolution by that tap's slice of the filter.
					_, _, pt, pl := c.Output()
					n := c.Cin * c.Cout
					s.w = s.w[(pt*c.KW+pl)*n : (pt*c.KW+pl+1)*n]
					s.conv.KH, s.conv.KW, s.conv.Stride, s.conv.Pad = 1, 1, 1, kernels.Valid
				}
				if c := s.conv; kernels.WinogradSupported(c) && (c.H+1)/2*((c.W+1)/2) >= winoMinTiles {
					s.wf = kernels.PackWinogradFilter(s.w, c)
					e.packed += s.wf.Bytes()
				} else {
					s.pf = e.pack(s.w, s.conv)
				}
			}
			if r := l.Residual(); r >= 0 {
				s.other = r
				rb := store[r]
				if rb.external < 0 && rb.last == i && rb != reads {
					alias, s.inPlace = rb, true
				}
				if s.kind == stepFused {
					e.steps[i-1].other, e.steps[i-1].inPlace = r, s.inPlace
				}
			}
		case OpDepthwiseConv2D:
			s.kind = stepDepthwise
			if l.KH != 3 || l.KW != 3 || l.SH != l.SW || l.SH > 2 {
				return unsupported("depthwise %dx%d stride %dx%d (want 3x3, stride 1 or 2)", l.KH, l.KW, l.SH, l.SW)
			}
			s.other = l.Residual()
			s.bandRows = min(os[1], max(1, dwBandElems/(os[2]*os[3])))
			s.band = (os[1] + s.bandRows - 1) / s.bandRows
			if e.fused[i] {
				s.kind = stepDwConv
				e.steps = append(e.steps, s)
				store[l.Out] = nil // never materialised
				continue
			}
		case OpMaxPool, OpAvgPool:
			s.kind = stepMaxPool
			if l.Op == OpAvgPool {
				s.kind = stepAvgPool
			}
		case OpPad:
			s.kind = stepPad
		case OpAdd:
			s.kind = stepAdd
			s.other = l.In[1]
			for _, v := range l.In {
				if b := store[v]; b.external < 0 && b.last == i {
					alias, s.inPlace = b, true
					break
				}
			}
		case OpMean:
			s.kind = stepMean
		case OpMatMul:
			s.kind = stepMatMul
			s.conv = kernels.ConvSpec{H: xs[0], W: 1, Cin: xs[1], KH: 1, KW: 1, Cout: os[1], Stride: 1,
				Act: kernels.Activation(l.Act)}
			s.batch = 1
			s.pf = e.pack(s.w, s.conv)
		case OpReshape:
			s.kind = stepNop
			alias = store[l.In[0]]
		default:
			return unsupported("op")
		}
		if alias != nil {
			store[l.Out] = alias
			alias.last = max(alias.last, last[l.Out])
		} else {
			b := &buffer{size: e.elems[l.Out], last: last[l.Out], external: -1}
			b.slot = take(b.size)
			bufs = append(bufs, b)
			active = append(active, b)
			store[l.Out] = b
		}
		e.steps = append(e.steps, s)
		// Free the slots of buffers dead after this layer.
		active = slices.DeleteFunc(active, func(b *buffer) bool {
			if b.last <= i {
				slots[b.slot].free = true
				return true
			}
			return false
		})
	}
	// Lay the slots out in the arena.
	slotOff := make([]int, len(slots))
	for i, s := range slots {
		slotOff[i] = e.arena
		e.arena += (s.size + align - 1) / align * align
	}
	e.off = make([]int, nv)
	for v, b := range store {
		if b == nil {
			e.off[v] = noBuffer
		} else if b.external >= 0 {
			e.off[v] = -1 - b.external
			e.bind = append(e.bind, v)
		} else {
			e.off[v] = slotOff[b.slot]
		}
	}
	return nil
}

// Session is the state of one inference at a time: the activation arena
// and the views of the values in it. It is not safe for concurrent use; use
// one Session per goroutine, or Executor.Run, which pools them.
type Session struct {
	e     *Executor
	arena []float32
	vals  [][]float32 // per value: its buffer (graph inputs bound during Run)
	outs  [][]float32
	times []time.Duration // per layer, when timing is on
	// bands holds one scratch band per goroutine of a fused depthwise
	// step; grown on the first run at a thread count.
	bands [][]float32
	// grp shares a depthwise step's bands among goroutines: dwStep and dwT
	// are the step and its number of shares while it runs, dwShare the
	// bound method dwShareOf (bound once, so that Run allocates nothing).
	grp     kernels.Group
	dwStep  *step
	dwT     int
	dwShare func(w int)
}

// NewSession returns a new Session of e with its arena allocated.
func (e *Executor) NewSession() *Session {
	m := e.m
	s := &Session{e: e, arena: make([]float32, e.arena), vals: make([][]float32, len(m.Values))}
	s.dwShare = s.dwShareOf
	for v, off := range e.off {
		if off >= 0 {
			s.vals[v] = s.arena[off : off+e.elems[v] : off+e.elems[v]]
		}
	}
	s.outs = make([][]float32, len(m.Outputs))
	for i, v := range m.Outputs {
		s.outs[i] = s.vals[v]
	}
	return s
}

// SetTiming turns per-layer timing on or off (a diagnostic: it adds two
// clock reads per layer). Times returns the durations of the last Run.
func (s *Session) SetTiming(on bool) {
	if on {
		s.times = make([]time.Duration, len(s.e.m.Layers))
	} else {
		s.times = nil
	}
}

// Times returns the duration of each layer in the last Run (indexed like
// Model.Layers), or nil if timing is off.
func (s *Session) Times() []time.Duration { return s.times }

// Run runs the model on inputs, one per graph input in the model's order,
// each a flat NHWC (or, for rank 2, [N, K]) float32 slice of exactly the
// input's element count (Model.Values[Model.Inputs[i]].Shape). The inputs
// are read, never written, and not retained after Run returns.
//
// It returns the outputs in the model's order (Model.OutputNames), each of
// its value's shape: views into the session's arena, valid until the next
// Run on s; copy them to keep them. After the first Run, Run allocates
// nothing (the kernels' scratch is pooled). It fails with ErrInput if the
// number or sizes of the inputs are wrong.
func (s *Session) Run(inputs ...[]float32) ([][]float32, error) {
	e := s.e
	if len(inputs) != len(e.inSize) {
		return nil, fmt.Errorf("%w: %d inputs, model %s takes %d", ErrInput, len(inputs), e.m.Name, len(e.inSize))
	}
	for i, in := range inputs {
		if len(in) != e.inSize[i] {
			return nil, fmt.Errorf("%w: input %d (%s) has %d values, want %d (shape %v)", ErrInput, i,
				e.m.Values[e.m.Inputs[i]].Name, len(in), e.inSize[i], e.m.Values[e.m.Inputs[i]].Shape)
		}
	}
	for _, v := range e.bind {
		in := inputs[-1-e.off[v]]
		n := e.m.Values[v].Elems()
		s.vals[v] = in[:n:n]
	}
	for i := range e.steps {
		if s.times != nil {
			t0 := time.Now()
			s.step(&e.steps[i])
			s.times[i] = time.Since(t0)
		} else {
			s.step(&e.steps[i])
		}
	}
	for i, v := range e.m.Outputs {
		s.outs[i] = s.vals[v]
	}
	for _, v := range e.bind {
		s.vals[v] = nil
	}
	return s.outs, nil
}

// Run runs the model like Session.Run with a pooled session and copies the
// outputs into outputs, one slice per model output of exactly its element
// count. It is safe for concurrent use.
func (e *Executor) Run(outputs [][]float32, inputs ...[]float32) error {
	if len(outputs) != len(e.m.Outputs) {
		return fmt.Errorf("%w: %d output slices, model %s has %d outputs", ErrInput, len(outputs), e.m.Name, len(e.m.Outputs))
	}
	for i, v := range e.m.Outputs {
		if n := e.m.Values[v].Elems(); len(outputs[i]) != n {
			return fmt.Errorf("%w: output %d (%s) slice has %d values, want %d", ErrInput, i, e.m.OutputNames[i], len(outputs[i]), n)
		}
	}
	s := e.pool.Get().(*Session)
	defer e.pool.Put(s)
	outs, err := s.Run(inputs...)
	if err != nil {
		return err
	}
	for i, o := range outs {
		copy(outputs[i], o)
	}
	return nil
}

// step runs one planned layer.
func (s *Session) step(st *step) {
	l := st.l
	x, out := s.vals[st.in], s.vals[st.out]
	xs, os := st.xs, st.os
	switch st.kind {
	case stepConv:
		var res []float32
		if st.other >= 0 {
			res = s.vals[st.other] // == out when in place
		}
		ni, no := len(x)/st.batch, len(out)/st.batch
		for n := range st.batch {
			var r []float32
			if res != nil {
				r = res[n*no : (n+1)*no]
			}
			if st.wf != nil {
				kernels.Conv2DWinograd(out[n*no:(n+1)*no], x[n*ni:(n+1)*ni], st.wf, st.b, r, st.conv)
			} else {
				kernels.Conv2DPacked(out[n*no:(n+1)*no], x[n*ni:(n+1)*ni], st.pf, st.b, r, st.conv)
			}
		}
	case stepMatMul:
		kernels.Conv2DPacked(out, x, st.pf, st.b, nil, st.conv)
	case stepDepthwise:
		s.dwConv(st)
		if st.other >= 0 {
			kernels.Add(out, out, s.vals[st.other], kernels.Activation(l.Act))
		}
	case stepMaxPool, stepAvgPool:
		ni, no := len(x)/st.batch, len(out)/st.batch
		for n := range st.batch {
			o, in := out[n*no:(n+1)*no], x[n*ni:(n+1)*ni]
			if st.kind == stepMaxPool {
				kernels.MaxPool(o, in, xs[1], xs[2], xs[3], l.KH, l.KW, l.SH, l.SW, kernels.Padding(l.Padding))
			} else {
				kernels.AvgPool(o, in, xs[1], xs[2], xs[3], l.KH, l.KW, l.SH, l.SW, kernels.Padding(l.Padding))
			}
		}
	case stepPad:
		pad(out, x, l, xs, os)
	case stepAdd:
		kernels.Add(out, x, s.vals[st.other], kernels.Activation(l.Act))
	case stepMean:
		c := xs[3]
		hw := xs[1] * xs[2]
		for n := range st.batch {
			kernels.Mean(out[n*c:(n+1)*c], x[n*hw*c:(n+1)*hw*c], xs[1], xs[2], c)
		}
	case stepDwConv:
		s.dwConv(st)
	case stepNop, stepFused:
	}
}

// dwConv runs a depthwise convolution, fused with its 1x1 convolution or
// not, band by band; with more than one kernel thread the bands are shared
// among goroutines.
func (s *Session) dwConv(st *step) {
	units := st.batch * st.band
	t := min(kernels.Threads(), units)
	for st.pw != nil && len(s.bands) < t {
		s.bands = append(s.bands, make([]float32, s.e.band))
	}
	if t <= 1 {
		s.dwConvBands(st, 0, 1)
		return
	}
	// t shares (each with its own scratch band), taken in turn by this
	// goroutine and the kernels' free helpers.
	s.dwStep, s.dwT = st, t
	s.grp.Run(t, t, s.dwShare)
	s.dwStep = nil
}

// dwShareOf runs share w of the running depthwise step (see dwConv).
func (s *Session) dwShareOf(w int) { s.dwConvBands(s.dwStep, w, s.dwT) }

// dwConvBands runs share w of t of the bands of a depthwise step.
func (s *Session) dwConvBands(st *step, w, t int) {
	l, xs, os := st.l, st.xs, st.os
	x := s.vals[st.in]
	ow, c := os[2], os[3]
	inPix := xs[3]
	if p := s.e.pix[st.in]; p != 0 {
		inPix = p
	}
	ni := xs[1] * xs[2] * inPix
	units := st.batch * st.band
	act, pad := kernels.Activation(l.Act), kernels.Padding(l.Padding)
	if st.pw == nil {
		// Not fused: the bands go straight to the output; a residual is
		// added after the activation-free convolution.
		out := s.vals[st.out]
		if st.other >= 0 {
			act = kernels.ActNone
		}
		// The share's bands of one image are contiguous rows: one call
		// each (the kernels may copy the rows' input once per call).
		no := os[1] * ow * c
		for u, u1 := w*units/t, (w+1)*units/t; u < u1; {
			n, b := u/st.band, u%st.band
			nb := min(st.band-b, u1-u)
			oy0 := b * st.bandRows
			oy1 := min(oy0+nb*st.bandRows, os[1])
			kernels.DepthwiseConv2D3x3RowsPix(out[n*no+oy0*ow*c:n*no+oy1*ow*c], x[n*ni:(n+1)*ni], xs[1], xs[2], xs[3], inPix, st.w, st.b, l.SH, pad, act, oy0, oy1)
			u += nb
		}
		return
	}
	out := s.vals[st.pwOut]
	var res []float32
	if st.other >= 0 {
		res = s.vals[st.other] // == out when in place
	}
	buf := s.bands[w]
	cout := st.conv.Cout
	no := os[1] * ow * cout
	for u := w * units / t; u < (w+1)*units/t; u++ {
		n, b := u/st.band, u%st.band
		oy0 := b * st.bandRows
		oy1 := min(oy0+st.bandRows, os[1])
		band := buf[:(oy1-oy0)*ow*c]
		kernels.DepthwiseConv2D3x3RowsPix(band, x[n*ni:(n+1)*ni], xs[1], xs[2], xs[3], inPix, st.w, st.b, l.SH, pad, act, oy0, oy1)
		spec := st.conv
		spec.H = oy1 - oy0
		o := out[n*no+oy0*ow*cout : n*no+oy1*ow*cout]
		var r []float32
		if res != nil {
			r = res[n*no+oy0*ow*cout : n*no+oy1*ow*cout]
		}
		kernels.Conv2DPacked(o, band, st.pwPF, st.pwB, r, spec)
	}
}

// pad zero-pads the NHWC tensor x of shape xs into out of shape os.
func pad(out, x []float32, l *Layer, xs, os []int) {
	h, w, c := xs[1], xs[2], xs[3]
	oh, ow, oc := os[1], os[2], os[3]
	for n := range xs[0] {
		o := out[n*oh*ow*oc : (n+1)*oh*ow*oc]
		in := x[n*h*w*c : (n+1)*h*w*c]
		clear(o[:l.PadTop*ow*oc])
		clear(o[(l.PadTop+h)*ow*oc:])
		for y := range h {
			row := o[(l.PadTop+y)*ow*oc : (l.PadTop+y+1)*ow*oc]
			clear(row[:l.PadLeft*oc])
			clear(row[(l.PadLeft+w)*oc:])
			mid := row[l.PadLeft*oc : (l.PadLeft+w)*oc]
			src := in[y*w*c : (y+1)*w*c]
			if l.PadFront == 0 {
				kernels.PadChannels(mid, src, w, c, oc)
				continue
			}
			for p := range w {
				d := mid[p*oc : (p+1)*oc]
				clear(d[:l.PadFront])
				copy(d[l.PadFront:l.PadFront+c], src[p*c:(p+1)*c])
				clear(d[l.PadFront+c:])
			}
		}
	}
}

// oh1 reports whether convolution c gives a 1x1 output.
func oh1(c kernels.ConvSpec) bool {
	oh, ow, _, _ := c.Output()
	return oh == 1 && ow == 1
}
