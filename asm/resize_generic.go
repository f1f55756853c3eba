package asm

// resizeRowGeneric is the reference for ResizeRow.
func resizeRowGeneric(r, g, b []float32, row0, row1 []byte, xoff, xd []int32, xf []float32, fy float32) {
	out := [3][]float32{r, g, b}
	for u := range r {
		a := int(xoff[u])
		c := a + int(xd[u])
		fx := xf[u]
		p0, p1 := row0[a:a+3:a+3], row0[c:c+3:c+3]
		q0, q1 := row1[a:a+3:a+3], row1[c:c+3:c+3]
		for ch := range 3 {
			tl, tr := float32(p0[ch]), float32(p1[ch])
			bl, br := float32(q0[ch]), float32(q1[ch])
			top := tl + (tr-tl)*fx
			bot := bl + (br-bl)*fx
			out[ch][u] = top + (bot-top)*fy
		}
	}
}
