package detect

import "math"

// Point is a position in image pixels (continuous coordinates, see Image).
type Point struct{ X, Y float32 }

// Box is an axis-aligned rectangle in image pixels: its top-left corner
// (X, Y) and its size.
type Box struct{ X, Y, W, H float32 }

// Area returns W*H (0 for an empty box).
func (b Box) Area() float32 {
	if b.W <= 0 || b.H <= 0 {
		return 0
	}
	return b.W * b.H
}

// Center returns the centre of b.
func (b Box) Center() Point { return Point{b.X + b.W/2, b.Y + b.H/2} }

// Intersect returns the area of the intersection of a and b.
func Intersect(a, b Box) float32 {
	w := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	h := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// IoU returns the intersection over union of a and b (0 when both are
// empty).
func IoU(a, b Box) float32 {
	i := Intersect(a, b)
	u := a.Area() + b.Area() - i
	if u <= 0 {
		return 0
	}
	return i / u
}

// affine maps (u, v) to (a[0]*u + a[1]*v + a[2], a[3]*u + a[4]*v + a[5]).
type affine [6]float64

func (a affine) apply(u, v float64) (x, y float64) {
	return a[0]*u + a[1]*v + a[2], a[3]*u + a[4]*v + a[5]
}

// scale returns the factor by which a scales lengths (a is a similarity).
func (a affine) scale() float64 { return math.Hypot(a[0], a[3]) }

// warpMatrix converts a, a map between continuous coordinates (pixel
// centres at +0.5), into the matrix kernels.WarpAffine takes (pixel
// centres at integers on both sides).
func (a affine) warpMatrix() [6]float64 {
	return [6]float64{
		a[0], a[1], a[0]*0.5 + a[1]*0.5 + a[2] - 0.5,
		a[3], a[4], a[3]*0.5 + a[4]*0.5 + a[5] - 0.5,
	}
}

// squareView returns the map from detector input pixels (continuous,
// 0..size) to image pixels for a square of side side (image pixels)
// centred at (cx, cy), turned by quarter turns clockwise: with turns = 1
// the input shows the image rotated 90 degrees counter-clockwise, so a face
// lying on its right side in the photo stands upright in the input.
func squareView(cx, cy, side float64, size int, turns int) affine {
	s := side / float64(size)
	h := float64(size) / 2
	// Offsets from the centre in input pixels (du, dv) map to image offsets
	// R*(du, dv)*s, R a rotation by turns*90 degrees.
	var r [4]float64
	switch turns & 3 {
	case 0:
		r = [4]float64{1, 0, 0, 1}
	case 1: // input right is image up
		r = [4]float64{0, 1, -1, 0}
	case 2:
		r = [4]float64{-1, 0, 0, -1}
	case 3:
		r = [4]float64{0, -1, 1, 0}
	}
	return affine{
		r[0] * s, r[1] * s, cx - (r[0]+r[1])*s*h,
		r[2] * s, r[3] * s, cy - (r[2]+r[3])*s*h,
	}
}
