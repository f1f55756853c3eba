//go:build gc && !purego && !noasm

package asm

func init() {
	sgemmKernelImpl[AVX2] = []SgemmKernel{
		{MR: 6, NR: 16, Strided: true, Partial: true, Name: "avx2_6x16", Level: AVX2, fn: sgemmKernelAVX2_6x16},
		{MR: 4, NR: 16, Strided: true, Partial: true, Name: "avx2_4x16", Level: AVX2, fn: sgemmKernelAVX2_4x16},
		{MR: 2, NR: 16, Strided: true, Partial: true, Name: "avx2_2x16", Level: AVX2, fn: sgemmKernelAVX2_2x16},
	}
	sgemmKernelImpl[AVX512] = []SgemmKernel{
		{MR: 14, NR: 32, Strided: true, Partial: true, Rows: true, Name: "avx512_14x32", Level: AVX512, fn: sgemmKernelAVX512_14x32},
		{MR: 12, NR: 32, Strided: true, Partial: true, Rows: true, Name: "avx512_12x32", Level: AVX512, fn: sgemmKernelAVX512_12x32},
		{MR: 8, NR: 32, Strided: true, Partial: true, Rows: true, Name: "avx512_8x32", Level: AVX512, fn: sgemmKernelAVX512_8x32},
		{MR: 8, NR: 48, Strided: true, Partial: true, Rows: true, Name: "avx512_8x48", Level: AVX512, fn: sgemmKernelAVX512_8x48},
		{MR: 14, NR: 24, Strided: true, Partial: true, Rows: true, Name: "avx512_14x24", Level: AVX512, fn: sgemmKernelAVX512_14x24},
		{MR: 8, NR: 24, Strided: true, Partial: true, Rows: true, Name: "avx512_8x24", Level: AVX512, fn: sgemmKernelAVX512_8x24},
		{MR: 2, NR: 32, Strided: true, Partial: true, Rows: true, Name: "avx512_2x32", Level: AVX512, fn: sgemmKernelAVX512_2x32},
		{MR: 7, NR: 48, Strided: true, Partial: true, Rows: true, Name: "avx512_7x48", Level: AVX512, fn: sgemmKernelAVX512_7x48},
		{MR: 9, NR: 32, Strided: true, Partial: true, Rows: true, Name: "avx512_9x32", Level: AVX512, fn: sgemmKernelAVX512_9x32},
	}
	sgemmConvKernelImpl[AVX2] = []SgemmConvKernel{
		{MR: 6, NR: 16, Name: "avx2_6x16", Level: AVX2, fn: sgemmConvKernelAVX2_6x16},
		{MR: 4, NR: 16, Name: "avx2_4x16", Level: AVX2, fn: sgemmConvKernelAVX2_4x16},
	}
	sgemmConvKernelImpl[AVX512] = []SgemmConvKernel{
		{MR: 14, NR: 32, Rows: true, Name: "avx512_14x32", Level: AVX512, fn: sgemmConvKernelAVX512_14x32},
		{MR: 12, NR: 32, Rows: true, Name: "avx512_12x32", Level: AVX512, fn: sgemmConvKernelAVX512_12x32},
		{MR: 8, NR: 32, Rows: true, Name: "avx512_8x32", Level: AVX512, fn: sgemmConvKernelAVX512_8x32},
		{MR: 14, NR: 24, Rows: true, Name: "avx512_14x24", Level: AVX512, fn: sgemmConvKernelAVX512_14x24},
		{MR: 8, NR: 24, Rows: true, Name: "avx512_8x24", Level: AVX512, fn: sgemmConvKernelAVX512_8x24},
		{MR: 9, NR: 32, Rows: true, Name: "avx512_9x32", Level: AVX512, fn: sgemmConvKernelAVX512_9x32},
	}
	sgemmPackBImpl[AVX2] = []sgemmPackBFunc{{16, sgemmPackBAVX2_16}}
	sgemmPackBImpl[AVX512] = []sgemmPackBFunc{{32, sgemmPackBAVX512_32}, {48, sgemmPackBAVX512_48}}
}
