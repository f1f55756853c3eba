// Package kernels is facecluster's tensor compute: SGEMM, convolutions,
// depthwise convolution, pooling, element-wise operations and image
// resampling, on float32 tensors in NHWC layout (what the TF.js source
// models use), without batch dimension: a tensor is a []float32 with its
// shape passed as ints, element (y, x, c) of an [h, w, c] tensor at index
// (y*w+x)*c + c.
//
// Every hot loop runs in package asm, at the instruction-set level asm
// chose at start-up (AVX-512, AVX2+FMA, NEON or generic Go; capped by
// FACECLUSTER_ISA, forced to generic by the purego and noasm build tags).
// ISA reports it. Results differ between levels only by rounding.
//
// Functions panic, with messages starting "kernels: ", only on programmer
// error: negative or inconsistent shapes, or slices too short for them. They
// allocate nothing per call once warm: scratch buffers (packed GEMM panels,
// im2col rows) are kept on free lists and reused, one set per goroutine
// that ever ran a call, for the life of the process.
//
// Sgemm and Conv2D split large problems across goroutines; SetThreads sets
// how many (default GOMAXPROCS). Results do not depend on the thread count.
package kernels

import (
	"runtime"
	"sync/atomic"

	"github.com/facecluster/facecluster/asm"
)

// ISA reports the instruction-set level the kernels run at.
func ISA() asm.Level { return asm.ISA() }

// threads is the goroutine budget of one call; 0 means GOMAXPROCS.
var threads atomic.Int32

// SetThreads sets how many goroutines one Sgemm or Conv2D call may use and
// returns the previous setting. n <= 0 restores the default, GOMAXPROCS at
// the time of each call.
//
// With more than one, a call shares its work with helper goroutines (started
// on first use, never stopped), which after each share watch for the next
// for 200 microseconds before they sleep, as ONNX Runtime's threads do: a
// network's layers follow each other closer than a sleeping goroutine wakes.
// That spinning costs some CPU time beside the work; SetSpin shortens or
// ends it, and SetThreads(1) has no helpers work, and so none spin.
func SetThreads(n int) (prev int) {
	if n < 0 {
		n = 0
	}
	if n > 1<<16 {
		n = 1 << 16
	}
	return int(threads.Swap(int32(n)))
}

// Threads returns the number of goroutines one call may use.
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// Group shares the parts of jobs among the calling goroutine and the helper
// goroutines Sgemm and Conv2D use (see SetThreads), for callers with work of
// their own to split, such as a network's depthwise layers. Keep one per
// goroutine and reuse it: Run allocates nothing. A Group must not be used by
// two goroutines at once.
type Group struct {
	tk task
	gj groupJob
}

// groupJob adapts a part function to job.
type groupJob struct {
	part  func(p int)
	parts parts
}

func (g *groupJob) run(*gemmArena) {
	for {
		p, ok := g.parts.take()
		if !ok {
			return
		}
		g.part(p)
	}
}

// Run calls part(p) once for each p in [0, n), on the calling goroutine and
// up to t-1 free helpers (at most n goroutines in all), and returns when all
// calls have returned. part may run Sgemm or Conv2D itself. A method value
// or a closure kept by the caller makes part allocation-free.
func (g *Group) Run(n, t int, part func(p int)) {
	if n <= 0 {
		return
	}
	g.gj.part = part
	g.gj.parts.reset(n)
	parallel(&g.gj, max(1, min(t, n)), &g.tk)
	g.gj.part = nil
}
