package asm

// depthwise3x3RowGeneric is the reference for Depthwise3x3Row.
func depthwise3x3RowGeneric(out, in, filter, bias []float32, c, n, stride, rows, rowStride int, lo, hi float32) {
	for j := 0; j < n; j++ {
		o := out[j*c : j*c+c]
		if len(bias) != 0 {
			copy(o, bias[:c])
		} else {
			clear(o)
		}
		for r := 0; r < rows; r++ {
			row := in[r*rowStride+j*stride*c:]
			f := filter[3*r*c:]
			x0, x1, x2 := row[:c], row[c:2*c], row[2*c:3*c]
			f0, f1, f2 := f[:c], f[c:2*c], f[2*c:3*c]
			for ch := range o {
				s := o[ch]
				s += x0[ch] * f0[ch]
				s += x1[ch] * f1[ch]
				s += x2[ch] * f2[ch]
				o[ch] = s
			}
		}
		for ch, s := range o {
			o[ch] = min(max(s, lo), hi)
		}
	}
}

// depthwise3x3PixelGeneric is the reference for Depthwise3x3Pixel.
func depthwise3x3PixelGeneric(out, in, filter, bias []float32, c, rows, cols, rowStride int, lo, hi float32) {
	o := out[:c]
	if len(bias) != 0 {
		copy(o, bias[:c])
	} else {
		clear(o)
	}
	for r := 0; r < rows; r++ {
		for k := 0; k < cols; k++ {
			x := in[r*rowStride+k*c:][:c]
			f := filter[(3*r+k)*c:][:c]
			for ch := range o {
				o[ch] += x[ch] * f[ch]
			}
		}
	}
	for ch, s := range o {
		o[ch] = min(max(s, lo), hi)
	}
}
