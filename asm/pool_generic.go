package asm

import "math"

// maxPoolRowGeneric is the reference for MaxPoolRow.
func maxPoolRowGeneric(out, in []float32, c, n, cols, stride, rows, rowStride int) {
	for j := 0; j < n; j++ {
		o := out[j*c : j*c+c]
		for ch := range o {
			o[ch] = float32(math.Inf(-1))
		}
		for r := 0; r < rows; r++ {
			for k := 0; k < cols; k++ {
				x := in[r*rowStride+(j*stride+k)*c:][:c]
				for ch, v := range x {
					o[ch] = max(o[ch], v)
				}
			}
		}
	}
}

// avgPoolRowGeneric is the reference for AvgPoolRow.
func avgPoolRowGeneric(out, in []float32, c, n, cols, stride, rows, rowStride int, scale float32) {
	for j := 0; j < n; j++ {
		o := out[j*c : j*c+c]
		clear(o)
		for r := 0; r < rows; r++ {
			for k := 0; k < cols; k++ {
				x := in[r*rowStride+(j*stride+k)*c:][:c]
				for ch, v := range x {
					o[ch] += v
				}
			}
		}
		for ch := range o {
			o[ch] *= scale
		}
	}
}
