package asm

import "unsafe"

// The generic micro-kernel's tile: 4x4 accumulators stay in registers.
const (
	sgemmGenericMR = 4
	sgemmGenericNR = 4
)

// sgemmKernelGeneric is the reference micro-kernel (see SgemmKernel.Run and
// RunPartial): a 4x4 tile, any strides, partial tiles.
func sgemmKernelGeneric(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32, biasp, resp *float32, ldres int, lo, hi float32, clamp bool, mt, nt int) {
	const mr, nr = sgemmGenericMR, sgemmGenericNR
	as := unsafe.Slice(a, (mr-1)*rsa+(k-1)*csa+1)
	bs := unsafe.Slice(b, (k-1)*ldb+nr)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	ia, ib := 0, 0
	for p := 0; p < k; p++ {
		a0, a1, a2, a3 := as[ia], as[ia+rsa], as[ia+2*rsa], as[ia+3*rsa]
		br := bs[ib : ib+4 : ib+4]
		b0, b1, b2, b3 := br[0], br[1], br[2], br[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		ia += csa
		ib += ldb
	}
	acc := [mr][nr]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	cs := unsafe.Slice(c, (mt-1)*ldc+nt)
	var bias, res []float32
	if biasp != nil {
		bias = unsafe.Slice(biasp, nt)
	}
	if resp != nil {
		res = unsafe.Slice(resp, (mt-1)*ldres+nt)
	}
	for i := range mt {
		row := cs[i*ldc : i*ldc+nt]
		for j := range nt {
			s := acc[i][j]
			if beta != 0 {
				s += beta * row[j]
			}
			if bias != nil {
				s += bias[j]
			}
			if res != nil {
				s += res[i*ldres+j]
			}
			if clamp {
				s = min(max(s, lo), hi)
			}
			row[j] = s
		}
	}
}
