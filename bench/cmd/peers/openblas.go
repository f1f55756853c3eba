//go:build openblas

package main

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "unsafe"

const openblasAvailable = true

// openblasSgemm computes C = A*B with cblas_sgemm, row-major.
func openblasSgemm(m, n, k int, a, b, c []float32) {
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasNoTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(unsafe.Pointer(&a[0])), C.blasint(k), (*C.float)(unsafe.Pointer(&b[0])), C.blasint(n),
		0, (*C.float)(unsafe.Pointer(&c[0])), C.blasint(n))
}

func openblasSetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

func openblasInfo() string {
	return C.GoString(C.openblas_get_config()) + " core " + C.GoString(C.openblas_get_corename())
}
