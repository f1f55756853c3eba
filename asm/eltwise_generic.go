package asm

// addClampGeneric is the reference for AddClamp.
func addClampGeneric(out, a, b []float32, lo, hi float32) {
	out = out[:len(a)]
	b = b[:len(a)]
	for i, v := range a {
		out[i] = min(max(v+b[i], lo), hi)
	}
}

// clampGeneric is the reference for Clamp.
func clampGeneric(out, in []float32, lo, hi float32) {
	out = out[:len(in)]
	for i, v := range in {
		out[i] = min(max(v, lo), hi)
	}
}
