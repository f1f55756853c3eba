package asm

// Transforms of the Winograd F(2x2, 3x3) convolution (kernels'
// Conv2DWinograd): a 3x3 stride-1 convolution computed per 2x2 block of
// output pixels from the block's 4x4 input tile d as
//
//	Y = A^T [ (G g G^T) .* (B^T d B) ] A
//
// with the filter's transform G g G^T made once, the 16 element-wise
// products of every tile summed over input channels as 16 GEMMs, and the
// transforms below on each side, NHWC throughout: a tile's channels are
// contiguous, and the 16 transformed values of a tile go to 16 matrices.
//
//	B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	A^T = [1 1 1 0; 0 1 -1 -1]
//
// The vector versions (AVX-512, AVX2+FMA on amd64; NEON on arm64) take the
// channels a vector at a time: they run when c is a multiple of 16, 8 or 4
// respectively (AVX-512 falls back to AVX2 for a multiple of 8), and the
// generic code runs otherwise.

// WinogradInput transforms n tiles in a row: tile j (j < n) is the 4x4
// pixels at rows r < 4 (ldi elements apart) and columns 2j+q (q < 4) of in,
// c channels per pixel, element (r, x, ch) at in[r*ldi + x*c + ch]; it
// writes V = B^T d B of each channel, element (i, q) to
// v[(4*i+q)*ldv + j*c + ch]: 16 matrices ldv elements apart, each holding
// the row of tiles' c-channel vectors one after another. See
// winograd_generic.go for the order of the additions (every level computes
// the same values).
//
// It panics unless c, n >= 1, ldi >= (2n+2)*c, ldv >= n*c and in and v hold
// 3*ldi + (2n+2)*c and 15*ldv + n*c elements.
func WinogradInput(v []float32, ldv int, in []float32, ldi, c, n int) {
	if c < 1 || n < 1 || ldi < (2*n+2)*c || ldv < n*c {
		panic("asm: WinogradInput: bad sizes")
	}
	if len(in) < 3*ldi+(2*n+2)*c || len(v) < 15*ldv+n*c {
		panic("asm: WinogradInput: slice too short")
	}
	raceRead(in[:3*ldi+(2*n+2)*c])
	raceWrite(v[:15*ldv+n*c])
	if !winogradInputArch(ISA(), v, ldv, in, ldi, c, n) {
		winogradInputGeneric(v, ldv, in, ldi, c, n)
	}
}

// WinogradOutput finishes a row of tiles: for tile j (2j < cols) and
// channel ch < c, with M the tile's 16 GEMM sums (element (i, q) at
// m[(4*i+q)*ldm + j*c + ch], as WinogradInput writes V), the 2x2 block
// Y = A^T M A goes to output pixels (r, 2j+x), r < rows, 2j+x < cols:
//
//	y := Y[r][x] + bias[ch]
//	if res != nil {
//		y += res[r*ldr + (2j+x)*c + ch]
//	}
//	out[r*ldo + (2j+x)*c + ch] = min(max(y, lo), hi)
//
// Nothing else of out or res is touched; out may be res (a residual
// written over in place). See winograd_generic.go for the order of the
// additions (every level computes the same values).
//
// It panics unless c, cols >= 1, rows is 1 or 2, len(bias) >= c, the
// strides hold a row of pixels and the slices the pixels and matrices
// named.
func WinogradOutput(out []float32, ldo int, m []float32, ldm, c, cols, rows int, bias, res []float32, ldr int, lo, hi float32) {
	n := (cols + 1) / 2
	if c < 1 || cols < 1 || rows < 1 || rows > 2 || ldm < n*c || ldo < cols*c || len(bias) < c {
		panic("asm: WinogradOutput: bad sizes")
	}
	if len(m) < 15*ldm+n*c || len(out) < (rows-1)*ldo+cols*c {
		panic("asm: WinogradOutput: slice too short")
	}
	if res != nil && (ldr < cols*c || len(res) < (rows-1)*ldr+cols*c) {
		panic("asm: WinogradOutput: res too short")
	}
	raceRead(m[:15*ldm+n*c])
	for r := range rows {
		raceWrite(out[r*ldo : r*ldo+cols*c])
		if res != nil {
			raceRead(res[r*ldr : r*ldr+cols*c])
		}
	}
	if !winogradOutputArch(ISA(), out, ldo, m, ldm, c, cols, rows, bias, res, ldr, lo, hi) {
		winogradOutputGeneric(out, ldo, m, ldm, c, cols, rows, bias, res, ldr, lo, hi)
	}
}
