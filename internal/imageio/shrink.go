package imageio

// Shrink returns img resized to w x h (each at least 1 and at most img's) by
// averaging, for each output pixel, the source pixels whose indices map to
// it (x*Width/w up to (x+1)*Width/w, at least one; likewise for rows),
// rounding down. It panics if w or h is out of range: a caller's bug.
func Shrink(img Image, w, h int) Image {
	if w < 1 || h < 1 || w > img.Width || h > img.Height {
		panic("imageio: Shrink: size out of range")
	}
	out := Image{Width: w, Height: h, Stride: 3 * w, Pix: make([]byte, 3*w*h)}
	for y := range h {
		y0, y1 := y*img.Height/h, max((y+1)*img.Height/h, y*img.Height/h+1)
		for x := range w {
			x0, x1 := x*img.Width/w, max((x+1)*img.Width/w, x*img.Width/w+1)
			var acc [3]int
			for yy := y0; yy < y1; yy++ {
				p := img.Pix[yy*img.Stride+3*x0 : yy*img.Stride+3*x1]
				for i := 0; i < len(p); i += 3 {
					acc[0] += int(p[i])
					acc[1] += int(p[i+1])
					acc[2] += int(p[i+2])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			for ch := range 3 {
				out.Pix[y*out.Stride+3*x+ch] = byte(acc[ch] / n)
			}
		}
	}
	return out
}

// Fit returns the largest size of img's aspect ratio within w x h, never
// larger than img (at least 1 x 1).
func Fit(img Image, w, h int) (int, int) {
	s := min(float64(w)/float64(img.Width), float64(h)/float64(img.Height), 1)
	return max(int(float64(img.Width)*s), 1), max(int(float64(img.Height)*s), 1)
}
