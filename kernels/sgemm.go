package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facecluster/facecluster/asm"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major matrices, with
// BLAS semantics: op(X) is X, or its transpose when transX; op(A) is m x k,
// op(B) is k x n, C is m x n. Element (i, j) of a row-major matrix X with
// leading dimension ldx is x[i*ldx+j]. When beta is zero C is not read (NaN
// and Inf in C are overwritten); when alpha is zero or k is zero, A and B are
// not read and C is only scaled by beta. Elements of C outside the m x n
// matrix (the gaps between rows when ldc > n) are not touched.
//
// It panics with a "kernels: " message on a negative dimension, a leading
// dimension smaller than its row length (or than 1), or a slice too short
// for its matrix. It allocates nothing once warm (see the package doc).
//
// The product runs the GotoBLAS/BLIS way: A and B are copied into packed
// slivers sized for the caches, an asm micro-kernel of the active level
// (ISA) computes each register tile, and edge tiles go through the same
// kernel into a scratch tile. Large products are split across SetThreads
// goroutines; the result does not depend on the number of threads.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil, nil, Threads())
}

// SgemmSerial is Sgemm computed on the calling goroutine alone, whatever
// SetThreads says, for callers that spread their own work across
// goroutines (several serial products side by side beat one split product
// when each is small). Its result is bit for bit Sgemm's.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil, nil, 1)
}

// checkGemm panics unless the arguments describe valid matrices.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 {
		panic("kernels: Sgemm: m < 0")
	}
	if n < 0 {
		panic("kernels: Sgemm: n < 0")
	}
	if k < 0 {
		panic("kernels: Sgemm: k < 0")
	}
	ar, ac := m, k // stored shape of A
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if lda < max(1, ac) {
		panic("kernels: Sgemm: bad lda")
	}
	if ldb < max(1, bc) {
		panic("kernels: Sgemm: bad ldb")
	}
	if ldc < max(1, n) {
		panic("kernels: Sgemm: bad ldc")
	}
	if m == 0 || n == 0 {
		return
	}
	if k > 0 {
		if len(a) < (ar-1)*lda+ac {
			panic("kernels: Sgemm: insufficient length of a")
		}
		if len(b) < (br-1)*ldb+bc {
			panic("kernels: Sgemm: insufficient length of b")
		}
	}
	if len(c) < (m-1)*ldc+n {
		panic("kernels: Sgemm: insufficient length of c")
	}
}

// epilogue is what Conv2D fuses into the store of each tile of C, in this
// order: add bias[j], add res[i*ldr+j], clamp to [lo, hi].
type epilogue struct {
	bias  []float32 // n values, or nil
	res   []float32 // m x n at row stride ldr, or nil
	ldr   int
	lo    float32
	hi    float32
	clamp bool
}

// point sets kep's bias and residual to those of C's tile at (i, j), nil
// where e has none.
func (e *epilogue) point(kep *asm.SgemmEpilogue, i, j int) {
	kep.Bias, kep.Res = nil, nil
	if e.bias != nil {
		kep.Bias = &e.bias[j]
	}
	if e.res != nil {
		kep.Res = &e.res[i*e.ldr+j]
	}
}

func (e *epilogue) apply(v float32, i, j int) float32 {
	if e.bias != nil {
		v += e.bias[j]
	}
	if e.res != nil {
		v += e.res[i*e.ldr+j]
	}
	if e.clamp {
		v = min(max(v, e.lo), e.hi)
	}
	return v
}

// gemmPlan is one call's product and how it is blocked. Workers share it
// read-only.
type gemmPlan struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	ep             *epilogue
	pb             *packedB // op(B) packed in advance, or nil

	kern       asm.SgemmKernel
	mc, kc, nc int   // cache blocks: rows of A, depth, columns of B
	directA    bool  // full A slivers are read in place (no packing)
	rowsA      bool  // A is copied row by row at stride lds (no transposition)
	lds        int   // row stride of the copied rows of A
	byRows     bool  // goroutines split C by rows (else by columns)
	tiles      int   // tiles along the split dimension
	parts      parts // contiguous ranges of tiles, taken in turn
}

// run computes parts of C (contiguous ranges of row or column tiles) until
// none is left.
func (p *gemmPlan) run(ar *gemmArena) {
	for {
		c, ok := p.parts.take()
		if !ok {
			return
		}
		lo, hi := c*p.tiles/p.parts.n, (c+1)*p.tiles/p.parts.n
		if p.byRows {
			p.runRange(ar, lo*p.kern.MR, min(p.m, hi*p.kern.MR), 0, p.n)
		} else {
			p.runRange(ar, 0, p.m, lo*p.kern.NR, min(p.n, hi*p.kern.NR))
		}
	}
}

// Cache blocking, per micro-kernel: a sliver of A (MR x kc) stays in L1
// while the packed block of B (kc x nc, in L2) streams past it; mc rows of A
// are packed at a time.
const (
	kcMax  = 384       // depth of one pass (A sliver 14x384x4 = 21 KiB)
	l2Pack = 256 << 10 // bytes of packed B per block
	mcRows = 1024      // rows of packed A per block (1.5 MiB at kcMax)
)

// passDepth returns the depth of one pass over a product of depth k: k
// split into near-equal passes of at most kcMax.
func passDepth(k int) int {
	passes := (k + kcMax - 1) / kcMax
	return (k + passes - 1) / passes
}

// packedB is op(B), k x n, packed once for one micro-kernel: pass by pass
// (depth kc: passDepth(k), the last one shorter; or k, one pass), each pass
// a row of slivers of NR columns stored k-major, the last sliver
// zero-padded, exactly as gemmPlan.packB writes one block. The block of pass pc (depth kc) from
// column jc (a multiple of NR) starts at data[pc*npad+jc*kc].
type packedB struct {
	kern  asm.SgemmKernel
	k, n  int
	kc    int // depth of a full pass
	npad  int // n rounded up to a multiple of NR
	level asm.Level
	data  []float32
}

// newPackedB packs op(B) for the micro-kernel of level l that pickKernel
// chooses for m rows; with onePass, in a single pass of depth k (which
// only Conv2D's implicit GEMM reads).
func newPackedB(l asm.Level, transB bool, m, n, k int, b []float32, ldb int, onePass bool) *packedB {
	kern := pickKernel(l, max(m, 1), n)
	if forceKernel != nil {
		kern = *forceKernel
	}
	pb := &packedB{kern: kern, k: k, n: n, kc: passDepth(k), level: l}
	if onePass {
		pb.kc = k
	}
	pb.npad = (n + kern.NR - 1) / kern.NR * kern.NR
	pb.data = make([]float32, k*pb.npad)
	p := &gemmPlan{transB: transB, n: n, k: k, b: b, ldb: ldb, kern: kern}
	for pc := 0; pc < k; pc += pb.kc {
		kcur := min(pb.kc, k-pc)
		p.packB(pb.data[pc*pb.npad:pc*pb.npad+kcur*pb.npad], pc, kcur, 0, n)
	}
	return pb
}

// gemm is Sgemm without argument checks, plus an optional epilogue applied
// to every element of C once its sum is complete, on at most threads
// goroutines. With pb, B is read from its packing (b is not read) with
// pb's micro-kernel.
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep *epilogue, pb *packedB, threads int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc, ep)
		return
	}
	st := statePool.Get()
	p := &st.plan
	*p = gemmPlan{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, ep: ep, pb: pb}
	switch {
	case pb != nil:
		p.kern = pb.kern
	case forceKernel != nil:
		p.kern = *forceKernel
	default:
		p.kern = pickKernel(asm.ISA(), m, n)
	}
	mr, nr := p.kern.MR, p.kern.NR
	p.kc = passDepth(k)
	p.nc = max(nr, l2Pack/(4*p.kc)/nr*nr)
	// A row-major A is read in place by the strided kernels (unless alpha
	// must be folded in): each sliver is reused from L1 by the n/NR kernel
	// calls of a B block, and its lines come at a rate far below L2
	// bandwidth. Then no A is packed but a partial last sliver, and B is
	// packed once per pass (mc covers all of m). Not when the rows are a
	// multiple of 4 KiB apart (and so share L1 sets) and reused.
	// When they are, or alpha must be folded in, the rows of A are copied
	// (scaled) at a stride that is not, which costs far less than
	// transposing them into packed slivers.
	aliased := lda%1024 == 0 && n > 2*nr
	p.directA = p.kern.Strided && !transA && alpha == 1 && !aliased
	p.rowsA = p.kern.Strided && !transA && !p.directA
	p.lds = (p.kc+15)/16*16 + 16 // 64-byte rows, never a multiple of 4 KiB apart
	p.mc = mr * max(1, mcRows/mr)
	if p.directA {
		p.mc = (m + mr - 1) / mr * mr
	}

	// Split C across goroutines along whichever dimension has more tiles,
	// at tile boundaries.
	rowTiles, colTiles := (m+mr-1)/mr, (n+nr-1)/nr
	t := threads
	flops := 2 * float64(m) * float64(n) * float64(k)
	if serialProduct(flops, k*n) {
		t = 1
	}
	p.byRows = rowTiles >= colTiles || colTiles < t
	if p.directA && t > 1 && colTiles >= 2*t {
		// A is read in place: split by columns, so that no part packs
		// what another packs too (by rows, each would pack all of B).
		p.byRows = false
	}
	// With B packed in advance and A read in place, no part packs
	// anything, so rows split as cheaply as columns; split by rows in
	// equal shares, one per goroutine, when the tiles allow. A network's
	// layers then keep each goroutine on the same rows from layer to layer
	// (the parts are taken in turn, and the caller usually takes the
	// first): a depthwise layer after a 1x1 convolution, shared by rows
	// too, reads the rows its core just wrote instead of half of every
	// row from the other core's cache. (faceres, 2 threads, the two
	// splits alternated in one process: median -4% (906 of 1000 pairs
	// faster); BlazeFace -3%; dlib -1%.)
	rowsLocal := pb != nil && p.directA && t > 1 && rowTiles%t == 0
	if rowsLocal {
		p.byRows = true
	}
	p.tiles = colTiles
	if p.byRows {
		p.tiles = rowTiles
	}
	t = min(t, p.tiles)
	np := t
	if t > 1 && flops < smallProduct && !rowsLocal {
		// A helper may join a small product late: cut it finer, so that
		// the caller takes more parts meanwhile.
		np = min(p.tiles, smallParts*t)
	}
	p.parts.reset(np)
	parallel(p, t, &st.tk)
	*p = gemmPlan{} // drop references to the caller's slices
	statePool.Put(st)
}

// rowsFloats caps the rows of A times depth that a Rows micro-kernel
// call walks when B has more than one column of tiles (the rows are read
// again for each).
const rowsFloats = 48 << 10

// serialProduct reports whether a product of flops floating-point
// operations whose B holds bFloats elements runs on one goroutine: under 4
// MFLOP handing parts to helpers costs more than it saves, unless B is so
// large (streamBFloats) that it streams from memory, where each goroutine
// reading its share pays at any size (dlib's 4x4 -> 1x1 conv256_down_out:
// 2.4 MB of filter for 1.2 MFLOP).
func serialProduct(flops float64, bFloats int) bool {
	return flops < 4e6 && bFloats < streamBFloats
}

// streamBFloats is the size of B (1 MiB) from which serialProduct shares
// any product.
const streamBFloats = 256 << 10

// Products of fewer than smallProduct flops are cut into smallParts parts
// per goroutine (see gemm).
const (
	smallProduct = 64e6
	smallParts   = 4
)

// forceKernel, when set (by tests), replaces pickKernel's choice.
var forceKernel *asm.SgemmKernel

// pickKernel returns the micro-kernel of level l that wastes least on an
// m x n product: the fewest multiply-adds once m and n are padded up to
// multiples of MR and NR, each row dearer by 0.4/MR for a shorter tile (it
// streams B past fewer rows of A; measured on Zen 4: AVX2 4x16 about 5%
// below 6x16, AVX-512 8x32 within 2% of 14x32). Tiles of fewer than 4 rows
// (too few accumulators to hide the FMA latency) serve only products of at
// most MR rows.
func pickKernel(l asm.Level, m, n int) asm.SgemmKernel {
	ks := asm.SgemmKernelsFor(l)
	best, bestCost := 0, 0.0
	for i, k := range ks {
		if k.MR < 4 && m > k.MR {
			continue
		}
		rows := (m + k.MR - 1) / k.MR * k.MR
		cols := (n + k.NR - 1) / k.NR * k.NR
		cost := float64(rows) * float64(cols) * (1 + 0.4/float64(k.MR))
		if i == 0 || cost < bestCost*(1-1e-9) {
			best, bestCost = i, cost
		}
	}
	return ks[best]
}

// scaleC sets C = beta*C (zero when beta is zero, whatever C held), then
// applies ep.
func scaleC(m, n int, beta float32, c []float32, ldc int, ep *epilogue) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			v := float32(0)
			if beta != 0 {
				v = beta * row[j]
			}
			if ep != nil {
				v = ep.apply(v, i, j)
			}
			row[j] = v
		}
	}
}

// gemmState is one call's plan and its completion counter, pooled.
type gemmState struct {
	plan gemmPlan
	tk   task
}

var statePool freeList[gemmState]

// gemmArena is one goroutine's scratch: packed slivers of A and B, a tile
// for edges, the kernel's epilogue arguments.
type gemmArena struct {
	ap, bp []float32
	tile   []float32
	kep    asm.SgemmEpilogue
	col    []float32 // Conv2D's im2col rows
	cep    epilogue  // Conv2D's epilogue for one block
	wv, wm []float32 // Conv2DWinograd's transformed input and sums of a band
}

var arenaPool freeList[gemmArena]

func getArena() *gemmArena { return arenaPool.Get() }

// freeList keeps values for reuse. Unlike sync.Pool it never drops them (a
// goroutine on another P, or a garbage collection, would make a warm call
// allocate); it holds at most as many as were ever in use at once.
type freeList[T any] struct {
	mu   sync.Mutex
	free []*T
}

func (l *freeList[T]) Get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		v := l.free[n-1]
		l.free = l.free[:n-1]
		return v
	}
	return new(T)
}

func (l *freeList[T]) Put(v *T) {
	l.mu.Lock()
	l.free = append(l.free, v)
	l.mu.Unlock()
}

// grow returns s with length n, reusing its storage when large enough.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// job is work split in parts, which every goroutine running it takes in
// turn (see parts) until none is left, with the goroutine's arena. Its result
// must not depend on which goroutine computes which part.
type job interface {
	run(ar *gemmArena)
}

// parts hands out the parts 0..n-1 of a job, each once, to the goroutines
// running it.
type parts struct {
	n    int
	next atomic.Int64
}

func (p *parts) reset(n int) {
	p.n = n
	p.next.Store(0)
}

// take returns the next part not yet taken, and false if none is left.
func (p *parts) take() (int, bool) {
	c := int(p.next.Add(1)) - 1
	return c, c < p.n
}

// task is a job handed to helpers; it lives in the caller's pooled state.
type task struct {
	j    job
	left atomic.Int32 // helpers still running j
	wg   sync.WaitGroup
}

// helper is a goroutine that runs tasks for parallel. After a task it spins
// for the SetSpin duration, watching for the next, before it sleeps: a network's
// layers come a few microseconds apart, and waking a sleeping goroutine
// takes some tens (ONNX Runtime's pool spins likewise).
type helper struct {
	claimed atomic.Bool          // set by the caller that hands it a task
	task    atomic.Pointer[task] // the task to run, nil when idle
	asleep  atomic.Bool          // blocked on wake
	wake    chan struct{}        // capacity 1
}

// defaultSpin is how long a helper watches for a task before it sleeps,
// unless SetSpin says otherwise.
const defaultSpin = 200 * time.Microsecond

// spin is the helpers' watch in nanoseconds (see SetSpin).
var spin atomic.Int64

func init() { spin.Store(int64(defaultSpin)) }

// SetSpin sets how long a helper goroutine watches for its next share of
// work after finishing one before it sleeps, and returns the previous
// setting; d <= 0 makes helpers sleep at once, d above one second is one
// second. The default, 200 microseconds, keeps a network's layers, which
// follow each other closer than a sleeping goroutine wakes, from paying a
// wake-up each; the watch costs CPU time beside the work (on a phone,
// battery). The caller of a shared job likewise watches for its helpers to
// finish, for up to the same duration, before it blocks. Results do not
// depend on it. Helpers already watching keep their old setting until they
// next finish a share.
func SetSpin(d time.Duration) (prev time.Duration) {
	d = min(max(d, 0), time.Second)
	return time.Duration(spin.Swap(int64(d)))
}

var (
	helpersMu sync.Mutex
	helpers   atomic.Pointer[[]*helper] // grows only, under helpersMu
)

// ensureHelpers returns the helpers, at least n of them.
func ensureHelpers(n int) []*helper {
	if hs := helpers.Load(); hs != nil && len(*hs) >= n {
		return *hs
	}
	helpersMu.Lock()
	defer helpersMu.Unlock()
	var hs []*helper
	if cur := helpers.Load(); cur != nil {
		hs = append(hs, *cur...)
	}
	for len(hs) < n {
		h := &helper{wake: make(chan struct{}, 1)}
		hs = append(hs, h)
		go h.loop()
	}
	helpers.Store(&hs)
	return hs
}

func (h *helper) loop() {
	for {
		last, watch := time.Now(), time.Duration(spin.Load())
		for spins := 0; ; spins++ {
			if tk := h.task.Load(); tk != nil {
				h.task.Store(nil)
				ar := getArena()
				tk.j.run(ar)
				arenaPool.Put(ar)
				h.claimed.Store(false)
				tk.left.Add(-1)
				tk.wg.Done()
				last, spins, watch = time.Now(), 0, time.Duration(spin.Load())
				continue
			}
			if watch <= 0 || spins%256 == 255 {
				if time.Since(last) >= watch {
					break
				}
				runtime.Gosched()
			}
		}
		h.asleep.Store(true)
		if h.task.Load() == nil {
			<-h.wake
		}
		h.asleep.Store(false)
	}
}

// parallel runs j on the calling goroutine and on up to t-1 helpers that
// are free (none if all are busy with other callers' jobs: the caller then
// takes every part), and returns when all are done. tk must be idle. A job
// may call parallel itself: no call waits for a helper to become free, only
// for the helpers it claimed, which are running its job.
func parallel(j job, t int, tk *task) {
	if t > 1 {
		tk.j = j
		n := 0
		for _, h := range ensureHelpers(t - 1) {
			if n == t-1 {
				break
			}
			if !h.claimed.CompareAndSwap(false, true) {
				continue
			}
			tk.wg.Add(1)
			tk.left.Add(1)
			h.task.Store(tk)
			if h.asleep.Load() {
				select {
				case h.wake <- struct{}{}:
				default: // a wake-up is already pending
				}
			}
			n++
		}
	}
	ar := getArena()
	j.run(ar)
	arenaPool.Put(ar)
	if t > 1 {
		awaitHelpers(tk)
		tk.j = nil
	}
}

// awaitHelpers returns once the helpers running tk are done. It watches
// for them for up to the SetSpin duration before it blocks: a caller that
// blocks is woken on the helper's core (the goroutine then moves between
// cores, and the scheduler takes microseconds each way), and a network
// waits so at every layer. While it watches it yields now and then, so
// that a helper waiting for a P (callers on every P, as when the command
// analyses two photos at once on two cores) runs instead of the watch:
// without that, `facecluster index` made 13.5-14.1 photos/s on the 63
// deepface photos against 17.7-19.4 with it (and 18.1-19.4 before the
// watch).
func awaitHelpers(tk *task) {
	if tk.left.Load() != 0 {
		if watch := time.Duration(spin.Load()); watch > 0 {
			t0 := time.Now()
			for spins := 1; tk.left.Load() != 0; spins++ {
				if spins%64 == 0 {
					if time.Since(t0) >= watch {
						break
					}
					// A helper without a P of its own (more
					// goroutines at work than GOMAXPROCS) runs here.
					runtime.Gosched()
				}
			}
		}
	}
	tk.wg.Wait()
}

// runRange computes rows [i0, i1) and columns [j0, j1) of C; i0 is a
// multiple of MR and j0 of NR.
func (p *gemmPlan) runRange(ar *gemmArena, i0, i1, j0, j1 int) {
	kn := &p.kern
	mr, nr := kn.MR, kn.NR
	if p.directA {
		ar.ap = grow(ar.ap, mr*p.kc) // only a partial last sliver, at 0
	} else {
		ar.ap = grow(ar.ap, p.mc*max(p.kc, p.lds))
	}
	if p.pb == nil {
		ar.bp = grow(ar.bp, p.kc*p.nc)
	}
	ar.tile = grow(ar.tile, mr*nr)
	for ic := i0; ic < i1; ic += p.mc {
		mcur := min(p.mc, i1-ic)
		for pc := 0; pc < p.k; pc += p.kc {
			kcur := min(p.kc, p.k-pc)
			first, last := pc == 0, pc+kcur == p.k
			beta := float32(1)
			if first {
				beta = p.beta
			}
			var kep *asm.SgemmEpilogue
			if last && p.ep != nil {
				kep = &ar.kep
				kep.Lo, kep.Hi, kep.Clamp, kep.LdRes = p.ep.lo, p.ep.hi, p.ep.clamp, p.ep.ldr
				kep.Bias, kep.Res = nil, nil
			}
			p.packA(ar.ap, ic, mcur, pc, kcur)
			for jc := j0; jc < j1; jc += p.nc {
				ncur := min(p.nc, j1-jc)
				bp := ar.bp
				if p.pb != nil {
					bp = p.pb.data[pc*p.pb.npad+jc*kcur:]
				} else {
					p.packB(bp, pc, kcur, jc, ncur)
				}
				ir0 := 0
				if full := mcur / mr * mr; p.directA && kn.Rows && full >= 2*mr && (ncur <= nr || full*kcur <= rowsFloats) {
					// The full row tiles of A read in place, a column
					// of tiles per call (see asm.SgemmKernel.Rows); A's
					// rows come from L1 or L2 again for each column.
					for jr := 0; jr < ncur; jr += nr {
						nt := min(nr, ncur-jr)
						i, j := ic, jc+jr
						if kep != nil {
							p.ep.point(kep, i, j)
						}
						kn.RunPartial(kcur, p.a[i*p.lda+pc:], p.lda, 1, bp[jr*kcur:], nr, p.c[i*p.ldc+j:], p.ldc, beta, kep, full, nt)
					}
					ir0 = full
				}
				for ir := ir0; ir < mcur; ir += mr {
					mt := min(mr, mcur-ir)
					var as []float32
					rsa, csa := 1, mr
					switch {
					case p.directA && mt == mr:
						as, rsa, csa = p.a[(ic+ir)*p.lda+pc:], p.lda, 1
					case p.directA:
						as = ar.ap // the one sliver packed: a partial last one
					case p.rowsA:
						as, rsa, csa = ar.ap[ir*p.lds:], p.lds, 1
					default:
						as = ar.ap[ir*kcur:]
					}
					for jr := 0; jr < ncur; jr += nr {
						nt := min(nr, ncur-jr)
						bs := bp[jr*kcur:]
						i, j := ic+ir, jc+jr
						if kn.Partial || mt == mr && nt == nr {
							if kep != nil {
								p.ep.point(kep, i, j)
							}
							kn.RunPartial(kcur, as, rsa, csa, bs, nr, p.c[i*p.ldc+j:], p.ldc, beta, kep, mt, nt)
							continue
						}
						// Edge tile for a kernel that only writes full
						// tiles: the same kernel into the scratch tile,
						// then only the valid part is merged.
						kn.Run(kcur, as, rsa, csa, bs, nr, ar.tile, nr, 0, nil)
						p.mergeEdge(ar.tile, nr, i, j, mt, nt, first, beta, last)
					}
				}
			}
		}
	}
}

// mergeEdge adds the mt x nt valid part of an edge tile's sums into C at
// (i, j): the first pass scales C by beta (not reading it when beta is
// zero), later passes accumulate; the last applies the epilogue.
func (p *gemmPlan) mergeEdge(tile []float32, ldt, i, j, mt, nt int, first bool, beta float32, last bool) {
	for ti := range mt {
		row := p.c[(i+ti)*p.ldc+j : (i+ti)*p.ldc+j+nt]
		src := tile[ti*ldt : ti*ldt+nt]
		for tj, v := range src {
			if !first || beta != 0 {
				v += beta * row[tj]
			}
			if last && p.ep != nil {
				v = p.ep.apply(v, i+ti, j+tj)
			}
			row[tj] = v
		}
	}
}

// packA copies rows [r0, r0+rows) and depth [p0, p0+kc) of alpha*op(A) into
// dst as slivers of MR rows, each stored k-major (dst[s*MR*kc + p*MR + i]),
// the last sliver zero-padded to MR rows. With directA only a partial last
// sliver is packed: the kernel reads the full ones in place. With rowsA the
// rows are copied as they are, at stride lds.
func (p *gemmPlan) packA(dst []float32, r0, rows, p0, kc int) {
	mr := p.kern.MR
	alpha := p.alpha
	if p.rowsA {
		// Rows of alpha*A at stride lds; the rows of a partial last sliver
		// past the end are zero (the kernel reads MR rows).
		for i := range rows {
			src := p.a[(r0+i)*p.lda+p0 : (r0+i)*p.lda+p0+kc]
			d := dst[i*p.lds : i*p.lds+kc]
			if alpha == 1 {
				copy(d, src)
			} else {
				for q, v := range src {
					d[q] = alpha * v
				}
			}
		}
		if pad := (rows+mr-1)/mr*mr - rows; pad > 0 {
			clear(dst[rows*p.lds : (rows+pad)*p.lds])
		}
		return
	}
	for s := 0; s*mr < rows; s++ {
		mt := min(mr, rows-s*mr)
		if p.directA && mt == mr {
			continue
		}
		off := s * mr * kc
		if p.directA {
			off = 0 // the one sliver packed
		}
		d := dst[off : off+mr*kc]
		r := r0 + s*mr
		if !p.transA {
			interleave(d, mr, p.a[r*p.lda+p0:], p.lda, mt, kc, alpha)
		} else {
			for q := range kc {
				src := p.a[(p0+q)*p.lda+r : (p0+q)*p.lda+r+mt]
				dd := d[q*mr : q*mr+mt]
				for i, v := range src { // shorter than a memmove call
					dd[i] = alpha * v
				}
			}
		}
		if mt < mr {
			for q := range kc {
				clear(d[q*mr+mt : (q+1)*mr])
			}
		}
	}
}

// packB copies depth [p0, p0+kc) and columns [c0, c0+cols) of op(B) into dst
// as slivers of NR columns, each stored k-major (dst[s*NR*kc + p*NR + j]),
// the last sliver zero-padded to NR columns.
func (p *gemmPlan) packB(dst []float32, p0, kc, c0, cols int) {
	nr := p.kern.NR
	if !p.transB {
		// Row by row across all slivers, so that B is read sequentially
		// (a sliver at a time would touch one or two cache lines per row of
		// B, out of the prefetchers' reach, when B is wide).
		full := cols / nr
		asm.SgemmPackB(nr, kc, full, p.b[p0*p.ldb+c0:], p.ldb, dst)
		if nt := cols - full*nr; nt > 0 {
			for q := range kc {
				src := p.b[(p0+q)*p.ldb+c0+full*nr : (p0+q)*p.ldb+c0+cols]
				d := dst[full*nr*kc+q*nr : full*nr*kc+(q+1)*nr]
				copy(d, src)
				clear(d[nt:])
			}
		}
		return
	}
	for s := 0; s*nr < cols; s++ {
		nt := min(nr, cols-s*nr)
		d := dst[s*nr*kc : (s+1)*nr*kc]
		interleave(d, nr, p.b[(c0+s*nr)*p.ldb+p0:], p.ldb, nt, kc, 1)
		if nt < nr {
			for q := range kc {
				clear(d[q*nr+nt : (q+1)*nr])
			}
		}
	}
}

// interleave writes rows x kc elements of src (row stride lds), scaled by
// alpha, into dst k-major: dst[q*ld+i] = alpha*src[i*lds+q]. Four rows at a
// time, so that each store writes four neighbours.
func interleave(dst []float32, ld int, src []float32, lds, rows, kc int, alpha float32) {
	i := 0
	for ; i+4 <= rows; i += 4 {
		r0 := src[i*lds : i*lds+kc]
		r1 := src[(i+1)*lds : (i+1)*lds+kc]
		r2 := src[(i+2)*lds : (i+2)*lds+kc]
		r3 := src[(i+3)*lds : (i+3)*lds+kc]
		for q := range r0 {
			dd := dst[q*ld+i : q*ld+i+4 : q*ld+i+4]
			dd[0], dd[1], dd[2], dd[3] = alpha*r0[q], alpha*r1[q], alpha*r2[q], alpha*r3[q]
		}
	}
	for ; i < rows; i++ {
		for q, v := range src[i*lds : i*lds+kc] {
			dst[q*ld+i] = alpha * v
		}
	}
}
