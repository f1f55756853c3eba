package asm

import (
	"unsafe"
)

// SgemmEpilogue is what a micro-kernel applies to a finished tile before it
// stores it, in this order: add Bias (one value per tile column), add the
// residual tile Res (row stride LdRes), then, if Clamp, clamp every value to
// [Lo, Hi] (NaN stays NaN). A nil Bias or Res is skipped.
type SgemmEpilogue struct {
	Bias  *float32 // NR values, or nil
	Res   *float32 // MR x NR values at row stride LdRes, or nil
	LdRes int      // residual row stride, in elements
	Lo    float32  // lower clamp (ReLU: 0)
	Hi    float32  // upper clamp (ReLU: +Inf, ReLU6: 6)
	Clamp bool     // apply [Lo, Hi]
}

// sgemmFunc is a micro-kernel's signature; see SgemmKernel.Run.
type sgemmFunc func(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32, bias, res *float32, ldres int, lo, hi float32, clamp bool, mt, nt int)

// SgemmKernel is a register-tiled SGEMM micro-kernel: it computes one MR x NR
// tile of C from an MR x k sliver of A and a k x NR sliver of B.
type SgemmKernel struct {
	MR, NR int
	// Strided reports that the kernel honours any A strides (rsa, csa); a
	// kernel without it requires A packed (rsa = 1, csa = MR) and B packed
	// (ldb = NR).
	Strided bool
	// Partial reports that the kernel can finish a partial tile (RunPartial
	// with mt < MR or nt < NR) itself; a kernel without it needs callers to
	// compute such tiles into a full scratch tile.
	Partial bool
	// Rows reports that RunPartial also takes mt a multiple of MR: that
	// many rows of C as full tiles, one below the other (A's rows rsa,
	// C's ldc and the residual's LdRes apart), in one call.
	Rows  bool
	Name  string // e.g. "avx512_14x32"
	Level Level
	fn    sgemmFunc
}

// sgemmKernelImpl holds each level's micro-kernels, the default (largest
// tile) first. The generic entry is set here; sgemm_dispatch_amd64.go and
// sgemm_dispatch_arm64.go fill the vector levels.
var sgemmKernelImpl [numLevels][]SgemmKernel

func init() {
	sgemmKernelImpl[Generic] = []SgemmKernel{{MR: sgemmGenericMR, NR: sgemmGenericNR, Strided: true, Partial: true,
		Name: "generic_4x4", Level: Generic, fn: sgemmKernelGeneric}}
}

// SgemmKernelFor returns the default micro-kernel of level l. A level this
// build has no kernel for (not in Levels) returns the generic kernel.
func SgemmKernelFor(l Level) SgemmKernel { return SgemmKernelsFor(l)[0] }

// SgemmKernelsFor returns every micro-kernel of level l, the default first;
// callers pick the tile that wastes least on their shape.
func SgemmKernelsFor(l Level) []SgemmKernel {
	if l < numLevels && len(sgemmKernelImpl[l]) > 0 {
		return sgemmKernelImpl[l]
	}
	return sgemmKernelImpl[Generic]
}

// Run computes one full tile, for i < MR and j < NR:
//
//	s := float32(0)
//	for p := 0; p < k; p++ {
//		s += a[i*rsa+p*csa] * b[p*ldb+j] // fused or not, by level
//	}
//	if beta != 0 {
//		s += beta * c[i*ldc+j] // c is not read when beta == 0
//	}
//	if ep != nil {
//		// add ep.Bias[j], ep.Res[i*ep.LdRes+j], clamp to [ep.Lo, ep.Hi]
//	}
//	c[i*ldc+j] = s
//
// k must be at least 1. The slices must hold every element the loop above
// reads or writes (a from index 0 to (MR-1)*rsa+(k-1)*csa, and so on); only
// Strided kernels accept rsa != 1, csa != MR or ldb != NR. Run checks
// nothing (callers such as kernels.Sgemm do); out-of-range slices are
// undefined behaviour.
func (kn *SgemmKernel) Run(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, beta float32, ep *SgemmEpilogue) {
	kn.RunPartial(k, a, rsa, csa, b, ldb, c, ldc, beta, ep, kn.MR, kn.NR)
}

// RunPartial is Run for the first mt rows and nt columns of the tile
// (1 <= mt <= MR, 1 <= nt <= NR): only they of C, ep.Bias and ep.Res are
// read or written; A and B are still read in full (packed slivers are
// zero-padded). Only Partial kernels accept mt < MR or nt < NR. Rows
// kernels also take mt a multiple of MR: mt/MR full tiles, tile q at rows
// q*MR of A, C and ep.Res, as mt/MR calls would compute them.
func (kn *SgemmKernel) RunPartial(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, beta float32, ep *SgemmEpilogue, mt, nt int) {
	if sgemmRace {
		raceRead(a[:(max(mt, kn.MR)-1)*rsa+(k-1)*csa+1])
		raceRead(b[:(k-1)*ldb+kn.NR])
		for i := range mt { // row by row: the gaps may belong to other goroutines
			raceWrite(c[i*ldc : i*ldc+nt])
		}
		if ep != nil && ep.Res != nil {
			raceRead(unsafe.Slice(ep.Res, (mt-1)*ep.LdRes+nt))
		}
	}
	if ep == nil {
		kn.fn(k, unsafe.SliceData(a), rsa, csa, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, beta, nil, nil, 0, 0, 0, false, mt, nt)
		return
	}
	kn.fn(k, unsafe.SliceData(a), rsa, csa, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, beta, ep.Bias, ep.Res, ep.LdRes, ep.Lo, ep.Hi, ep.Clamp, mt, nt)
}

// sgemmConvFunc is a convolution micro-kernel's signature; see
// SgemmConvKernel.RunPartial.
type sgemmConvFunc func(kin, kout int, a *float32, rsa, ajump int, b *float32, ldb int, c *float32, ldc int, beta float32, bias, res *float32, ldres int, lo, hi float32, clamp bool, mt, nt int)

// SgemmConvKernel is a micro-kernel for implicit-GEMM convolution: an
// SgemmKernel whose depth is kout runs of kin contiguous elements of A,
// the runs a fixed distance apart, so that it reads a convolution's input
// in place (row i of A is output pixel i's window: a run is the taps of one
// filter row, KW*Cin contiguous floats, the next run one input row further).
type SgemmConvKernel struct {
	MR, NR int
	Rows   bool   // as SgemmKernel.Rows
	Name   string // e.g. "avx512_14x32"
	Level  Level
	fn     sgemmConvFunc
}

// sgemmConvKernelImpl holds each level's convolution micro-kernels (none
// for generic Go and NEON, whose callers copy windows into rows instead).
var sgemmConvKernelImpl [numLevels][]SgemmConvKernel

// SgemmConvKernelsFor returns every convolution micro-kernel of level l.
func SgemmConvKernelsFor(l Level) []SgemmConvKernel {
	if l < numLevels {
		return sgemmConvKernelImpl[l]
	}
	return nil
}

// RunPartial computes the first mt rows and nt columns of one tile
// (1 <= mt <= MR, 1 <= nt <= NR, kin >= 1, kout >= 1), for i < mt, j < nt:
//
//	s := float32(0)
//	for r := 0; r < kout; r++ {
//		for q := 0; q < kin; q++ {
//			s += a[i*rsa+r*ajump+q] * b[(r*kin+q)*ldb+j] // fused
//		}
//	}
//	// then beta, ep and the store as in SgemmKernel.Run
//
// B is packed (ldb = NR, zero-padded columns); A is still read for all MR
// rows, so a must hold (MR-1)*rsa+(kout-1)*ajump+kin elements. It checks
// nothing (callers do); out-of-range slices are undefined behaviour. Rows
// kernels also take mt a multiple of MR, as SgemmKernel.RunPartial.
func (kn *SgemmConvKernel) RunPartial(kin, kout int, a []float32, rsa, ajump int, b []float32, ldb int, c []float32, ldc int, beta float32, ep *SgemmEpilogue, mt, nt int) {
	if sgemmRace {
		raceRead(a[:(max(mt, kn.MR)-1)*rsa+(kout-1)*ajump+kin])
		raceRead(b[:(kin*kout-1)*ldb+kn.NR])
		for i := range mt {
			raceWrite(c[i*ldc : i*ldc+nt])
		}
		if ep != nil && ep.Res != nil {
			raceRead(unsafe.Slice(ep.Res, (mt-1)*ep.LdRes+nt))
		}
	}
	if ep == nil {
		kn.fn(kin, kout, unsafe.SliceData(a), rsa, ajump, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, beta, nil, nil, 0, 0, 0, false, mt, nt)
		return
	}
	kn.fn(kin, kout, unsafe.SliceData(a), rsa, ajump, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, beta, ep.Bias, ep.Res, ep.LdRes, ep.Lo, ep.Hi, ep.Clamp, mt, nt)
}
