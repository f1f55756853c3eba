package asm

// depthwise3x3RowsGeneric is the reference for Depthwise3x3Rows. pL and pR
// are 0 or 1.
func depthwise3x3RowsGeneric(out, in, filter, bias []float32, c, inPix, stride, rows, m, inRow, outRow, n, pL, pR int, lo, hi float32) {
	for i := 0; i < m; i++ {
		x := in[i*stride*inRow:]
		o := out[i*outRow:]
		if pL != 0 {
			depthwise3x3PixelPix(o, x, filter[c:], bias, c, inPix, rows, 2, inRow, lo, hi)
			o = o[c:]
			x = x[(stride-1)*inPix:]
		}
		for j := 0; j < n; j++ {
			depthwise3x3Generic3(o[j*c:], x[j*stride*inPix:], filter, bias, c, inPix, rows, inRow, lo, hi)
		}
		if pR != 0 {
			depthwise3x3PixelPix(o[n*c:], x[n*stride*inPix:], filter, bias, c, inPix, rows, 2, inRow, lo, hi)
		}
	}
}

// depthwise3x3Generic3 computes one output pixel with all three columns of
// taps (input pixels inPix apart): depthwise3x3PixelPix with cols = 3,
// unrolled.
func depthwise3x3Generic3(out, in, filter, bias []float32, c, inPix, rows, inRow int, lo, hi float32) {
	o := out[:c]
	if len(bias) != 0 {
		copy(o, bias[:c])
	} else {
		clear(o)
	}
	for r := 0; r < rows; r++ {
		row := in[r*inRow:]
		f := filter[3*r*c:]
		x0, x1, x2 := row[:c], row[inPix:inPix+c], row[2*inPix:2*inPix+c]
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

// depthwise3x3PixelGeneric is the reference for Depthwise3x3Pixel.
func depthwise3x3PixelGeneric(out, in, filter, bias []float32, c, rows, cols, rowStride int, lo, hi float32) {
	depthwise3x3PixelPix(out, in, filter, bias, c, c, rows, cols, rowStride, lo, hi)
}

// depthwise3x3PixelPix is depthwise3x3PixelGeneric with the input pixels
// inPix elements apart.
func depthwise3x3PixelPix(out, in, filter, bias []float32, c, inPix, rows, cols, rowStride int, lo, hi float32) {
	o := out[:c]
	if len(bias) != 0 {
		copy(o, bias[:c])
	} else {
		clear(o)
	}
	for r := 0; r < rows; r++ {
		for k := 0; k < cols; k++ {
			x := in[r*rowStride+k*inPix:][:c]
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
