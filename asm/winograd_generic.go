package asm

// winogradInputGeneric is the reference for WinogradInput: for each tile
// and channel, the rows of B^T d, then each row times B.
func winogradInputGeneric(v []float32, ldv int, in []float32, ldi, c, n int) {
	for j := range n {
		for ch := range c {
			var d [4][4]float32
			for r := range 4 {
				for q := range 4 {
					d[r][q] = in[r*ldi+(2*j+q)*c+ch]
				}
			}
			var u [4][4]float32 // B^T d
			for q := range 4 {
				u[0][q] = d[0][q] - d[2][q]
				u[1][q] = d[1][q] + d[2][q]
				u[2][q] = d[2][q] - d[1][q]
				u[3][q] = d[1][q] - d[3][q]
			}
			o := j*c + ch
			for i := range 4 {
				v[(4*i)*ldv+o] = u[i][0] - u[i][2]
				v[(4*i+1)*ldv+o] = u[i][1] + u[i][2]
				v[(4*i+2)*ldv+o] = u[i][2] - u[i][1]
				v[(4*i+3)*ldv+o] = u[i][1] - u[i][3]
			}
		}
	}
}

// winogradOutputGeneric is the reference for WinogradOutput: for each tile
// and channel, the columns of M A, then A^T times them.
func winogradOutputGeneric(out []float32, ldo int, m []float32, ldm, c, cols, rows int, bias, res []float32, ldr int, lo, hi float32) {
	for j := 0; 2*j < cols; j++ {
		for ch := range c {
			o := j*c + ch
			var q [2][4]float32 // column x of M A, rows i
			for i := range 4 {
				m0, m1, m2, m3 := m[(4*i)*ldm+o], m[(4*i+1)*ldm+o], m[(4*i+2)*ldm+o], m[(4*i+3)*ldm+o]
				q[0][i] = m0 + m1 + m2
				q[1][i] = m1 - m2 - m3
			}
			for r := range rows {
				for x := 0; x < 2 && 2*j+x < cols; x++ {
					var y float32
					if r == 0 {
						y = q[x][0] + q[x][1] + q[x][2]
					} else {
						y = q[x][1] - q[x][2] - q[x][3]
					}
					y += bias[ch]
					p := (2*j+x)*c + ch
					if res != nil {
						y += res[r*ldr+p]
					}
					out[r*ldo+p] = min(max(y, lo), hi)
				}
			}
		}
	}
}
