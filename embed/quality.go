package embed

import (
	"math"

	"github.com/facecluster/facecluster/detect"
)

// Quality rates a face for recognition in [0, 1], 1 best. It is the
// weighted geometric mean of four scores, each in [0, 1]:
//
//	size   smoothstep of the box's smaller side from 24 px (0) to 96 px (1)  weight 0.3
//	sharp  v/(v+SharpnessHalf), v the variance of the 3x3 Laplacian of the     weight 0.3
//	       aligned 150x150 chip's luma (0..255 scale)
//	pose   1 - |yaw|/60 degrees, clamped                                       weight 0.2
//	score  (detector score - 0.5)/0.45, clamped                               weight 0.2
//
// with every score floored at 0.02 so that one bad aspect lowers the
// quality without zeroing it. blur is the Laplacian variance (the sharp
// score's v); Extract computes it on the chip it aligned.
func Quality(f detect.Face, blur float64) float32 {
	size := smoothstep(24, 96, float64(min(f.Box.W, f.Box.H)))
	sharp := blur / (blur + SharpnessHalf)
	pose := 1 - math.Abs(float64(f.Pose.Yaw))/60
	score := (float64(f.Score) - 0.5) / 0.45
	q := 0.0
	for _, p := range [4][2]float64{{size, 0.3}, {sharp, 0.3}, {pose, 0.2}, {score, 0.2}} {
		q += p[1] * math.Log(min(max(p[0], 0.02), 1))
	}
	return float32(math.Exp(q))
}

// SharpnessHalf is the Laplacian variance that scores 0.5 for sharpness.
const SharpnessHalf = 60

func smoothstep(a, b, x float64) float64 {
	t := min(max((x-a)/(b-a), 0), 1)
	return t * t * (3 - 2*t)
}

// laplacianVariance returns the variance of the 4-neighbour Laplacian of
// the luma of a dlib chip (size x size x 3, normalised by dlibNorm), on the
// 0..255 scale.
func laplacianVariance(chip []float32, size int) float64 {
	// Undo the normalisation: value*255 + mean, then luma.
	luma := func(i int) float64 {
		p := chip[3*i:]
		r := float64(p[0])*255 + 122.782
		g := float64(p[1])*255 + 117.001
		b := float64(p[2])*255 + 104.298
		return 0.299*r + 0.587*g + 0.114*b
	}
	var s, s2 float64
	n := 0
	for y := 1; y < size-1; y++ {
		for x := 1; x < size-1; x++ {
			i := y*size + x
			l := luma(i-1) + luma(i+1) + luma(i-size) + luma(i+size) - 4*luma(i)
			s += l
			s2 += l * l
			n++
		}
	}
	m := s / float64(n)
	return s2/float64(n) - m*m
}
