// Package bench holds facecluster's side-by-side benchmarks against its
// peers. It is its own module, so that the peers (gonum, and OpenBLAS
// through cgo) never enter the library's go.mod.
//
// cmd/peers compares kernels.Sgemm with OpenBLAS and gonum on the shapes of
// the networks; see its doc comment and `make bench-peers`.
package bench
