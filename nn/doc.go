// Package nn is facecluster's model runtime: the model file format, its
// writer and validating reader, and the Model a layer-graph executor runs.
//
// # Model files
//
// A model file is a fixed 56-byte header followed by a payload. All integers
// are little-endian.
//
//	header
//	  magic        [8]byte  "FCMODEL\x00"
//	  version      uint32   1
//	  flags        uint32   0 (reserved)
//	  payload size uint64   bytes after the header; the file is exactly header + payload
//	  sha256       [32]byte SHA-256 of the payload
//	payload
//	  name         str
//	  metadata     u32 count, then count x (key str, value str); keys unique
//	  tensors      u32 count, then count x tensor
//	  inputs       u32 count, then count x (name str, shape)
//	  layers       u32 count, then count x layer
//	  outputs      u32 count, then count x (name str, value u32)
//
//	str     u16 length, then that many bytes of UTF-8 (names at most 256 bytes,
//	        metadata values at most 16 KiB)
//	shape   u8 rank (1..MaxRank), then rank x u32 dims, each >= 1
//	tensor  name str, dtype u8, shape, then by dtype:
//	          Float32 (1): n x float32
//	          Float16 (2): n x IEEE-754 binary16
//	          Uint8   (3): u32 q (1, or the last dim: per-channel along the
//	                       last axis), q x float32 min, q x float32 scale,
//	                       then n x uint8; value = min[c] + scale[c]*byte
//	layer   op u8, name str, u8 count of inputs then u32 value ids,
//	        u8 count of ints then int32s, u8 count of tensors then u32
//	        tensor indices
//
// Values are numbered in order of definition: the graph inputs are values
// 0..len(inputs)-1 and layer i defines value len(inputs)+i. A layer may read
// only values defined before it, so every file describes an acyclic graph in
// an order in which it can be run. Tensors are dequantized to float32 when
// the file is read; the stored precision is a storage choice only.
//
// Every field is validated when the file is read (Decode): the hash, every
// count against the bytes that remain, every name, dtype, shape and index,
// each layer's parameters, and the shape of every value, inferred layer by
// layer from the input shapes. Corrupt or hostile input is an error, never a
// panic, a hang or an allocation out of proportion to the file's size
// (activation sizes, which do not come from the file's bytes, are bounded by
// MaxValueElems and the total work by MaxMACs).
//
// # Layers
//
// Activations are NHWC float32 with N = 1 in the models shipped; shapes keep
// the N dimension. Padding follows TensorFlow: VALID uses no padding; SAME
// gives ceil(in/stride) outputs and pads max((out-1)*stride+k-in, 0) in
// total, the smaller half before (top/left) and the larger after
// (bottom/right).
//
//	op              inputs        ints                          tensors
//	Conv2D          x [, r]       strideH strideW pad act       W [KH,KW,Cin,Cout], B [Cout]
//	DepthwiseConv2D x [, r]       strideH strideW pad act       W [KH,KW,C] [, B [C]]
//	MaxPool         x             KH KW strideH strideW pad     -
//	AvgPool         x             KH KW strideH strideW pad     -
//	Pad             x             top bottom left right front back (channels)  -
//	Add             a, b          act                           -
//	Mean            x [N,H,W,C]   -                             -   -> [N,C], mean over H and W
//	MatMul          x [N,K]       act                           W [K,M] [, B [M]]
//	Reshape         x             the new shape                 -
//
// Conv2D and DepthwiseConv2D compute act(conv(x, W) + B + r): the optional
// second input r, of the output's shape, is a residual added before the
// activation. Pad pads with zeros. MaxPool ignores padded positions and
// AvgPool divides by the number of positions inside the input. Add and MatMul
// apply act to their result. Activations: None (0), ReLU (1), ReLU6 (2).
// Padding: VALID (0), SAME (1).
//
// # Running a model
//
// NewExecutor plans a Model for package kernels once (buffer liveness, one
// arena per session with buffers reused when dead, residual adds and
// activations fused into the convolutions' GEMM epilogue, in-place
// residuals and adds, Reshape as a relabelling) and fails with
// ErrUnsupported on a layer the kernels lack. A Session holds the state of
// one inference at a time; Session.Run reads the inputs in place and
// returns views of the outputs, allocating nothing after the first run.
// Executor.Run is safe for concurrent use (it pools sessions) and copies the
// outputs out:
//
//	e, err := nn.NewExecutor(m)          // once per model
//	s := e.NewSession()                  // once per goroutine
//	outs, err := s.Run(input)            // input: []float32, NHWC, Values[Inputs[0]].Shape
//	scores := outs[0]                    // valid until the next s.Run
package nn
