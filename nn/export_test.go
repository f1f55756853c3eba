package nn

// SetBandSize sets the fused depthwise band targets for tests and returns
// a function restoring them.
// Fusion then applies to any size.
func SetBandSize(bytes int, flops float64) (restore func()) {
	b, f, mn, mx, dw := bandBytes, bandFlops, fuseMinBytes, fuseMaxWeights, dwBandElems
	bandBytes, bandFlops, fuseMinBytes, fuseMaxWeights, dwBandElems = bytes, flops, 0, 1<<30, 1
	return func() { bandBytes, bandFlops, fuseMinBytes, fuseMaxWeights, dwBandElems = b, f, mn, mx, dw }
}
