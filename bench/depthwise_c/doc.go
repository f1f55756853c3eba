// Package depthwisec is a C reference for kernels.DepthwiseConv2D3x3: the
// plain NHWC loop compiled by the C compiler with -O3 -march=native, run
// beside the Go kernels on the same shapes in one process. It needs cgo and
// the build tag cref, so that it stays out of the normal (cgo-free) build:
//
//	go test -tags cref -run '^$' -bench . -count 5 ./bench/depthwise_c/
package depthwisec
