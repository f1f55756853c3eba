// Package bench holds facecluster's side-by-side benchmarks against its
// peers. It is its own module, so that the peers (gonum, and OpenBLAS
// through cgo) never enter the library's go.mod.
//
// cmd/peers compares kernels.Sgemm with OpenBLAS and gonum on the shapes of
// the networks; see its doc comment and `make bench-peers`.
//
// cmd/models times the three networks whole in nn's executor beside ONNX
// Runtime (npm onnxruntime-node, on the models gen/onnx writes as ONNX from
// our files) and TF.js WASM (gen/golden's packages) on the same input, with
// ratios, a check that every runtime's outputs agree with ours, the memory
// of the three models and our time per layer kind; also `make bench-peers`.
package bench
